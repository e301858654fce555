// Every method the bridge serves, with the schema of its params and of its result.
// Bridge.call validates params before they leave and results when they arrive.
import { z } from "zod";
import { Tensor } from "../transport/tensor.js";
import { RewardSpecSchema } from "../reward/reward-spec.js";
import { SchedulerConfig } from "../scheduler/scheduler-config.js";
import { PYTHON_METHODS } from "./python-methods.js";
import { FitOptions, StepMetrics, VaderTrainerConfig } from "../trainer/vader-config.js";

const TensorValue = z.instanceof(Tensor, { error: "must be a Tensor" });
const HandleId = z.string().regex(/^[a-z]+-\d+$/, { error: "must be a handle id such as \"model-1\"" });

export const ModelInfo = z.strictObject({
  handle: HandleId,
  family: z.literal("text-to-video"),
  frames: z.number().int().positive(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  parameters: z.strictObject({ total: z.number().int(), trainable: z.number().int() }),
  lora: z.strictObject({ rank: z.number().int(), alpha: z.number(), targetModules: z.array(z.string()) }).nullable(),
});
export type ModelInfo = z.output<typeof ModelInfo>;

export const BridgeInfo = z.strictObject({
  protocolVersion: z.number().int(),
  pid: z.number().int(),
  python: z.string(),
  executable: z.string(),
  versions: z.record(z.string(), z.string()),
  device: z.string(),
});
export type BridgeInfo = z.output<typeof BridgeInfo>;

export const TinyModelOptions = z.strictObject({
  family: z.literal("text-to-video").default("text-to-video"),
  seed: z.number().int().nonnegative().default(0),
  frames: z.number().int().min(1).max(64).default(8),
  height: z.number().int().min(8).max(512).multipleOf(8, { error: "must be a multiple of 8 (the VAE downsamples)" }).default(32),
  width: z.number().int().min(8).max(512).multipleOf(8, { error: "must be a multiple of 8 (the VAE downsamples)" }).default(32),
});

export const SampleOptions = z.strictObject({
  prompts: z.array(z.string().min(1)).min(1, { error: "must list at least one prompt" }),
  scheduler: SchedulerConfig.default({ name: "ddim", steps: 25, eta: 1 }),
  seed: z.number().int().nonnegative().default(0),
  guidanceScale: z.number().min(1).max(50).default(1),
  /** Prompts per batch; batch k is sampled with seed + k and streams one sample-delta event. */
  batchSize: z.number().int().min(1).max(256).default(8),
});

const empty = z.strictObject({});

export const METHODS = {
  "system.hello": { params: z.strictObject({ protocolVersion: z.number().int() }), result: BridgeInfo },
  "system.shutdown": { params: empty, result: empty },
  /** Returns `value` as it arrived (tensors included): for tests and the bridge benchmark. */
  "system.echo": { params: z.strictObject({ value: z.unknown() }), result: z.strictObject({ value: z.unknown() }) },
  /** Sleeps in Python, stopping early when cancelled: for tests and health checks of long calls. */
  "system.sleep": { params: z.strictObject({ seconds: z.number().min(0).max(600) }), result: z.strictObject({ slept: z.number() }) },
  "prompts.builtIn": { params: empty, result: z.strictObject({ prompts: z.array(z.string()).min(1) }) },
  "handle.release": { params: z.strictObject({ handle: HandleId }), result: z.strictObject({ released: z.boolean() }) },
  "model.tiny": { params: TinyModelOptions, result: ModelInfo },
  "model.load": { params: z.strictObject({ directory: z.string().min(1) }), result: ModelInfo },
  "model.save": { params: z.strictObject({ handle: HandleId, directory: z.string().min(1) }), result: empty },
  "model.saveLora": { params: z.strictObject({ handle: HandleId, directory: z.string().min(1) }), result: z.strictObject({ path: z.string() }) },
  "model.loadLora": { params: z.strictObject({ handle: HandleId, directory: z.string().min(1) }), result: ModelInfo },
  /** SHA-256 of the base weights and of the LoRA weights (null without a LoRA). */
  "model.fingerprint": { params: z.strictObject({ handle: HandleId }), result: z.strictObject({ base: z.string(), lora: z.string().nullable() }) },
  "model.sample": { params: SampleOptions.extend({ handle: HandleId }), result: z.strictObject({ video: TensorValue }) },
  "reward.score": {
    params: z.strictObject({ reward: RewardSpecSchema, video: TensorValue, prompts: z.array(z.string()) }),
    result: z.strictObject({ scores: TensorValue }),
  },
  "video.write": {
    params: z.strictObject({ video: TensorValue, path: z.string().min(1), fps: z.number().int().min(1).max(60).default(8) }),
    result: z.strictObject({ path: z.string() }),
  },
  "trainer.vader": {
    params: z.strictObject({ model: HandleId, reward: RewardSpecSchema, config: VaderTrainerConfig }),
    result: z.strictObject({ handle: HandleId, model: ModelInfo }),
  },
  "trainer.fit": {
    params: FitOptions.extend({ handle: HandleId }),
    result: z.strictObject({ steps: z.number().int().nonnegative(), last: StepMetrics.nullable(), loraPath: z.string().nullable() }),
  },
  ...PYTHON_METHODS,
} as const;

export type MethodName = keyof typeof METHODS;
export type MethodParams<M extends MethodName> = z.input<(typeof METHODS)[M]["params"]>;
export type MethodResult<M extends MethodName> = z.output<(typeof METHODS)[M]["result"]>;

/** Events streamed by long calls, keyed by event name. */
export const EVENTS = {
  "fit-start": z.strictObject({ steps: z.number().int() }),
  "fit-delta": StepMetrics,
  "fit-end": z.strictObject({ steps: z.number().int() }),
  "sample-start": z.strictObject({ prompts: z.number().int(), batches: z.number().int() }),
  "sample-delta": z.strictObject({ done: z.number().int(), total: z.number().int(), seconds: z.number() }),
  "sample-end": z.strictObject({ total: z.number().int() }),
} as const;
