// Public API of vader-sdk.
export { Bridge } from "./bridge.js";
export { type BridgeOptions, type CallOptions } from "./transport/bridge-client.js";
export { Tensor, type TensorData } from "./specs/tensor.js";
export { DEFAULT_ADAPTER, Model, type LoadOptionsInput, type PlacementInput, type SampleOptionsInput, type TinyModelOptionsInput } from "./model/model.js";
export { readVideo, saveVideo, saveVideoGrid, videoAt } from "./model/video.js";
export { Reward, type PythonRewardOptions, type RewardTerm } from "./reward/reward.js";
export type { RewardFunction, RewardFunctionOptions } from "./reward/reward-function.js";
export { RewardSpecSchema, type RewardSpec } from "./specs/reward-spec.js";
export { BUILT_IN_REWARDS, IMPLEMENTATIONS } from "./specs/implementations.js";
export { Scheduler } from "./scheduler/scheduler.js";
export { SchedulerConfig } from "./specs/scheduler-config.js";
export {
  Trainer,
  type DdpoTrainer,
  type DdpoTrainerOptions,
  type DpoTrainer,
  type DpoTrainerOptions,
  type GrpoTrainer,
  type GrpoTrainerOptions,
  type OptionsOf,
  type TrainerOf,
  type TrainerOptions,
  type VaderTrainer,
  type VaderTrainerOptions,
} from "./trainer/trainer.js";
export { RemoteTrainer, type FitResult, type FitRun } from "./trainer/remote-trainer.js";
export { FitOptions } from "./specs/fit-options.js";
export { EarlyStopConfig, EarlyStopRecord, type EarlyStopConfigInput } from "./specs/early-stop.js";
export { StepMetrics, stepMetricsWith } from "./specs/metrics.js";
export { VADER, VaderStepMetrics, VaderTrainerConfig } from "./specs/trainers/vader-config.js";
export { DDPO, DdpoStepMetrics, DdpoTrainerConfig } from "./specs/trainers/ddpo-config.js";
export { DPO, DpoStepMetrics, DpoTrainerConfig } from "./specs/trainers/dpo-config.js";
export { GRPO, GrpoStepMetrics, GrpoTrainerConfig } from "./specs/trainers/grpo-config.js";
export { TRAINERS } from "./specs/trainers/registry.js";
export { COMPARISON_QUERIES_PER_STEP, defineTrainer, type TrainerSpec } from "./specs/trainers/trainer-spec.js";
export { ModelInfo } from "./specs/model-config.js";
export { Run } from "./run/run.js";
export {
  runTrainJob,
  type JudgeSummary,
  type RewardChange,
  type TrainJobDone,
  type TrainJobEvent,
  type TrainJobRunOptions,
  type TrainJobStopped,
} from "./run/train-job-run.js";
export { addTensorBoardVideo } from "./run/tensorboard.js";
export { WORLD_BASE_DIRECTORY, WORLD_SAMPLING } from "./world/world-defaults.js";
export { judgeVideos, worldPrompts, type JudgeReport } from "./world/judge.js";
export { evaluate, type EvaluateOptions, type EvaluationReport } from "./world/evaluate.js";
export { RunRecord } from "./specs/run-record.js";
export { compare, type CompareOptions } from "./compare/compare.js";
export { CAPTION_SETS, mergeCompareJob, worldCompareJob, type CaptionSet, type CompareJob, type WorldCompareJobOptions } from "./compare/compare-job.js";
export { comparisonTable } from "./compare/table.js";
export { plotComparison, plotFinalBySize, type SizedComparison } from "./compare/plot.js";
export { loadComparisonResults, resummarize } from "./compare/saved-results.js";
export { queriesToMatch } from "./compare/queries-to-match.js";
export { REPORT_FILE, writeComparisonReport, writeReports, writeRunReport } from "./report/write-report.js";
export { comparisonReportHtml, runReportHtml, type ChartLibrary } from "./report/report-html.js";
export { CompareConfig, type CompareConfigInput } from "./specs/compare-config.js";
export { ComparisonResults, JudgeFall, type ComparisonRun, type CurvePoint, type MethodSummary, type SampleScore } from "./specs/comparison-results.js";
export { TRAINING_METHODS, type TrainingMethod } from "./specs/trainers/methods.js";
export { trainerFor, queriesPerStep, type AnyTrainer } from "./trainer/by-method.js";
export { PROTOCOL_VERSION } from "./protocol/version.js";
export { ERROR_CODES, type ErrorCode } from "./protocol/error-codes.js";
export type { BridgeInfo } from "./protocol/methods.js";
export { AbortError, BridgeClosedError, BridgeStartError, ConfigError, ProtocolError, PythonError, VaderError } from "./errors.js";
export { PythonBridge, type PythonStats } from "./python/python-bridge.js";
export { isPythonProxy, type IterateOptions, type PythonCallOptions, type PythonProxy, type PythonProxyMembers, type PythonValue } from "./python/python-proxy.js";
export { PythonArgumentError, PythonObjectDisposedError } from "./python/python-errors.js";
export { openJobModel } from "./world/job-model.js";
export type { MeasureFall } from "./compare/summary.js";
export { DEFAULT_TRAIN_JOB, JobModel, TINY_TRAIN_JOB, TrainJobConfig, WORLD_TASKS, worldTrainJob, type TrainJobInput, type WorldTask } from "./world/train-job.js";
