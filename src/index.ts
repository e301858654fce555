// Public API of vader-sdk.
export { Bridge, type BridgeOptions, type CallOptions } from "./transport/bridge.js";
export { Tensor, type TensorData } from "./transport/tensor.js";
export { Model, type SampleOptionsInput, type TinyModelOptionsInput } from "./model/model.js";
export { saveVideo, videoAt } from "./model/video.js";
export { Reward } from "./reward/reward.js";
export { BUILT_IN_REWARDS, RewardSpecSchema, type RewardSpec } from "./reward/reward-spec.js";
export { Scheduler } from "./scheduler/scheduler.js";
export { SchedulerConfig } from "./scheduler/scheduler-config.js";
export { Trainer, VaderTrainer, type FitResult, type FitRun, type VaderTrainerOptions } from "./trainer/trainer.js";
export { FitOptions, StepMetrics, VaderTrainerConfig } from "./trainer/vader-config.js";
export { PROTOCOL_VERSION } from "./protocol/version.js";
export { ERROR_CODES, type ErrorCode } from "./protocol/error-codes.js";
export type { BridgeInfo, ModelInfo } from "./protocol/methods.js";
export { AbortError, BridgeClosedError, BridgeStartError, ConfigError, ProtocolError, PythonError, VaderError } from "./errors.js";
export { PythonBridge, type PythonStats } from "./python/python-bridge.js";
export { isPythonProxy, type IterateOptions, type PythonCallOptions, type PythonProxy, type PythonProxyMembers, type PythonValue } from "./python/python-proxy.js";
export { PythonArgumentError, PythonObjectDisposedError } from "./python/python-errors.js";
