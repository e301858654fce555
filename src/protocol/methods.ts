// Every method the bridge serves, with the schema of its params and of its result.
// Bridge calls validate params before they leave and results when they arrive; Python checks
// params again against the JSON Schema generated from these (python-bridge/vader_bridge/configs.py).
import { z } from "zod";
import { EarlyStopRecord } from "../specs/early-stop.js";
import { FitOptions } from "../specs/fit-options.js";
import { StepMetrics } from "../specs/metrics.js";
import { ModelCreateParams, ModelInfo } from "../specs/model-config.js";
import { HandleId, implementationName } from "../specs/names.js";
import { RewardSpecSchema } from "../specs/reward-spec.js";
import { RunRecord } from "../specs/run-record.js";
import { SchedulerConfig } from "../specs/scheduler-config.js";
import { Tensor } from "../specs/tensor.js";
import { PYTHON_METHODS } from "./python-methods.js";

const TensorValue = z.instanceof(Tensor, { error: "must be a Tensor" });
const AdapterName = implementationName("adapter", "default");

/** A figure's parameters: its PNG path, title, and one or more panels of the given fields (each titled). */
function figureParams<Shape extends z.ZodRawShape>(panel: Shape) {
  return z.strictObject({
    path: z.string().min(1),
    title: z.string(),
    panels: z.array(z.strictObject({ title: z.string(), ...panel })).min(1, { error: "must hold at least one panel" }),
  });
}

/** The bridge's answer to the handshake: protocol version, pid, Python and package versions, device and default placement. */
export const BridgeInfo = z.strictObject({
  protocolVersion: z.number().int(),
  pid: z.number().int(),
  python: z.string(),
  executable: z.string(),
  versions: z.record(z.string(), z.string()),
  device: z.string(),
  /** Where a model created with device and precision "auto" goes, and in which dtypes. */
  placement: z.strictObject({ device: z.string(), weightsDtype: z.string(), adapterDtype: z.string() }),
});
export type BridgeInfo = z.output<typeof BridgeInfo>;

export const SampleOptions = z.strictObject({
  prompts: z.array(z.string().min(1)).min(1, { error: "must list at least one prompt" }),
  scheduler: SchedulerConfig.default({ steps: 25, eta: 1 }),
  seed: z.number().int().nonnegative().default(0),
  guidanceScale: z.number().min(1).max(50).default(1),
  /** Prompts per batch; batch k is sampled with seed + k and streams one sample-delta event. */
  batchSize: z.number().int().min(1).max(256).default(8),
});

const empty = z.strictObject({});
const handleAndDirectory = { handle: HandleId, directory: z.string().min(1) };

export const METHODS = {
  "system.hello": { params: z.strictObject({ protocolVersion: z.number().int() }), result: BridgeInfo },
  "system.shutdown": { params: empty, result: empty },
  /** Returns `value` as it arrived (tensors included): for tests and the bridge benchmark. */
  "system.echo": { params: z.strictObject({ value: z.unknown() }), result: z.strictObject({ value: z.unknown() }) },
  /** Sleeps in Python, stopping early when cancelled: for tests and health checks of long calls. */
  "system.sleep": { params: z.strictObject({ seconds: z.number().min(0).max(600) }), result: z.strictObject({ slept: z.number() }) },
  /** The bridge process's resource use (for the soak benchmark: bench/soak.ts). */
  "system.stats": {
    params: empty,
    result: z.strictObject({
      rssBytes: z.number().int().nonnegative(),
      handles: z.number().int().nonnegative(),
      openFiles: z.number().int().nonnegative(),
      pythonObjects: z.number().int().nonnegative(),
      threads: z.number().int().nonnegative(),
    }),
  },
  "prompts.builtIn": { params: empty, result: z.strictObject({ prompts: z.array(z.string()).min(1) }) },
  "handle.release": { params: z.strictObject({ handle: HandleId }), result: z.strictObject({ released: z.boolean() }) },
  /** A model of any registered family: a tiny one (random weights) or a saved folder; the one creation method. */
  "model.create": { params: ModelCreateParams, result: ModelInfo },
  "model.save": { params: z.strictObject(handleAndDirectory), result: empty },
  /** Saves adapter `adapter` (default: the active one) as peft's file pair, and as the stock pipeline's pytorch_lora_weights.safetensors where it loads LoRA. */
  "model.saveLora": {
    params: z.strictObject({ ...handleAndDirectory, adapter: AdapterName.optional() }),
    result: z.strictObject({ path: z.string() }),
  },
  /** Loads a LoRA (peft's pair; for Wan, CogVideoX and AnimateDiff also a diffusers, ComfyUI or kohya file) into adapter `adapter` (added if absent) and makes it the active one. */
  "model.loadLora": { params: z.strictObject({ ...handleAndDirectory, adapter: AdapterName.default("default") }), result: ModelInfo },
  /** The adapter that sampling runs and training trains; null runs the base model. */
  "model.setAdapter": { params: z.strictObject({ handle: HandleId, adapter: AdapterName.nullable() }), result: ModelInfo },
  /** SHA-256 of the base weights, of all LoRA weights (null without adapters), and of each adapter. */
  "model.fingerprint": {
    params: z.strictObject({ handle: HandleId }),
    result: z.strictObject({ base: z.string(), lora: z.string().nullable(), adapters: z.record(z.string(), z.string()) }),
  },
  "model.sample": { params: SampleOptions.extend({ handle: HandleId }), result: z.strictObject({ video: TensorValue }) },
  /** A LoRA folder (peft's pair, as a run saves it) written as one .safetensors file in another tool's keys. */
  "lora.export": {
    params: z.strictObject({
      directory: z.string().min(1),
      /** ComfyUI's keys for Wan (diffusion_model.blocks.N.self_attn.q.lora_A.weight, with alpha). */
      format: z.literal("comfyui", { error: "must be \"comfyui\" (diffusers' format is the run's own pytorch_lora_weights.safetensors)" }),
      out: z.string().min(1),
    }),
    result: z.strictObject({ path: z.string(), tensors: z.number().int() }),
  },
  "reward.score": {
    params: z.strictObject({ reward: RewardSpecSchema, video: TensorValue, prompts: z.array(z.string()) }),
    result: z.strictObject({ scores: TensorValue }),
  },
  "video.write": {
    params: z.strictObject({ video: TensorValue, path: z.string().min(1), fps: z.number().int().min(1).max(60).default(8) }),
    result: z.strictObject({ path: z.string() }),
  },
  /** Reads a .gif or .mp4 (every frame, RGB) or a .npy (uint8 [frames, H, W, 3]) as uint8 [frames, H, W, 3]. */
  "video.read": {
    params: z.strictObject({ path: z.string().min(1) }),
    result: z.strictObject({ video: TensorValue }),
  },
  /** The digit world's captions: the fine-tuning prompts, the held-out test prompts, or all 40 (docs/world.md). */
  "world.prompts": {
    params: z.strictObject({ split: z.enum(["train", "test", "all"]).default("train") }),
    result: z.strictObject({ prompts: z.array(z.string()).min(1) }),
  },
  /** The digit world's independent judge on uint8 videos [B, frames, H, W, 3], one world caption per video. */
  "world.judge": {
    params: z.strictObject({ video: TensorValue, prompts: z.array(z.string().min(1)).min(1) }),
    result: z.strictObject({
      /** Per video: the fraction of frames whose digit is the prompted one. */
      digitHits: z.array(z.number().min(0).max(1)),
      /** Per video: 1 when the clip moves the prompted way, else 0. */
      directionHits: z.array(z.number().min(0).max(1)),
      /** Per video: the direction the judge saw ("still" when the digit barely moves). */
      directions: z.array(z.enum(["left", "right", "up", "down", "still"])),
    }),
  },
  /** Writes videos (uint8 [B, frames, H, W, 3]) as one PNG: a row per video, its frames left to right, its caption above. */
  "video.writeGrid": {
    params: z.strictObject({ video: TensorValue, path: z.string().min(1), captions: z.array(z.string()).nullable().default(null) }),
    result: z.strictObject({ path: z.string() }),
  },
  /**
   * Draws training curves as one PNG (matplotlib, Agg), one column per panel (a reward): reward mean
   * against reward queries (top) and against CPU seconds (bottom), a line per series (the mean of
   * its seeds' curves, with a band from the lowest to the highest), one colour per group.
   */
  "plot.comparison": {
    params: figureParams({
      series: z
        .array(
          z.strictObject({
            label: z.string().min(1),
            group: z.string().min(1),
            rewardQueries: z.array(z.number().nonnegative()).min(1),
            cpuSeconds: z.array(z.number().nonnegative()).min(1),
            /** Each seed's reward mean per step. */
            rewardMeanBySeed: z.array(z.array(z.number()).min(1)).min(1, { error: "must hold at least one seed's curve" }),
          }),
        )
        .min(1, { error: "must hold at least one series" }),
    }),
    result: z.strictObject({ path: z.string() }),
  },
  /** Draws each method's final reward against the generated frame size as one PNG, one panel per reward. */
  "plot.finalBySize": {
    params: figureParams({
      sizes: z.array(z.number().int().positive()).min(1),
      lines: z
        .array(z.strictObject({ label: z.string().min(1), group: z.string().min(1), finalReward: z.array(z.number()).min(1) }))
        .min(1, { error: "must hold at least one line" }),
    }),
    result: z.strictObject({ path: z.string() }),
  },
  /** A trainer of any registered algorithm; `config` is checked against that algorithm's own schema. */
  "trainer.create": {
    params: z.strictObject({
      algorithm: implementationName("algorithm", "vader"),
      model: HandleId,
      reward: RewardSpecSchema,
      config: z.record(z.string(), z.unknown()),
    }),
    result: z.strictObject({ handle: HandleId, model: ModelInfo }),
  },
  "trainer.fit": {
    params: FitOptions.extend({ handle: HandleId }),
    result: z.strictObject({ steps: z.number().int().nonnegative(), last: StepMetrics.nullable(), loraPath: z.string().nullable(), earlyStop: EarlyStopRecord.optional() }),
  },
  /**
   * Loads a run directory's newest good checkpoint (LoRA, optimizer, trainer state, random
   * generators) into a trainer created from that run's job; metrics of later steps are dropped.
   * `warnings` name each damaged or partial checkpoint that was skipped.
   */
  "trainer.restore": {
    params: z.strictObject({ handle: HandleId, runDirectory: z.string().min(1) }),
    result: z.strictObject({ step: z.number().int().nonnegative(), warnings: z.array(z.string()) }),
  },
  /** Writes a run directory's config.json. */
  "run.save": { params: z.strictObject({ directory: z.string().min(1), config: z.record(z.string(), z.unknown()) }), result: z.strictObject({ path: z.string() }) },
  /** Writes a run directory's evaluation.json (the judge before and after training). */
  "run.saveEvaluation": {
    params: z.strictObject({ directory: z.string().min(1), evaluation: z.record(z.string(), z.unknown()) }),
    result: z.strictObject({ path: z.string() }),
  },
  /** Writes one video (uint8 [frames, height, width, 3]) into a run directory as <name>.gif, and <name>.mp4 beside it. */
  "run.saveSample": {
    params: z.strictObject({
      directory: z.string().min(1),
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { error: "must be a plain file name without extension, such as \"before-0\"" }),
      video: TensorValue,
      fps: z.number().int().min(1).max(60).default(8),
    }),
    result: z.strictObject({ path: z.string() }),
  },
  /** Writes one video (uint8 [frames, height, width, 3]) into a TensorBoard log as an animated GIF under `tag`, at x = `step`. */
  "tensorboard.addVideo": {
    params: z.strictObject({
      directory: z.string().min(1),
      tag: z.string().min(1),
      step: z.number().int().nonnegative(),
      video: TensorValue,
      fps: z.number().int().min(1).max(60).default(8),
    }),
    result: z.strictObject({ directory: z.string() }),
  },
  /** Reads a run directory back: config, metrics, LoRA folder, samples. */
  "run.load": { params: z.strictObject({ directory: z.string().min(1) }), result: RunRecord },
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
  /** A question: a TypeScript reward function's scores for these videos (uint8 [B, F, H, W, 3]), answered on the control channel. */
  "reward-request": z.strictObject({
    question: z.number().int().positive(),
    term: z.string(),
    video: TensorValue,
    prompts: z.array(z.string()),
  }),
} as const;
