import { z } from "zod";
import { HandleId, implementationName } from "./names.js";

/** Options of a tiny text-to-video model (random weights from `seed`): tests and the offline demo. */
export const TextToVideoTinyOptions = z.strictObject({
  seed: z.number().int().nonnegative().default(0),
  frames: z.number().int().min(1).max(64).default(8),
  height: z.number().int().min(8).max(512).multipleOf(4, { error: "must be a multiple of 4 (the VAE halves it, the UNet halves it again)" }).default(32),
  width: z.number().int().min(8).max(512).multipleOf(4, { error: "must be a multiple of 4 (the VAE halves it, the UNet halves it again)" }).default(32),
});

/**
 * Wan 2.2 A14B's two experts: `transformer` denoises while t >= boundary_ratio x 1000 ("high-noise"),
 * `transformer_2` below ("low-noise"). The one named here carries the LoRA adapters (one expert is
 * trained at a time); the other stays frozen. Left out on a two-expert model: "low-noise", the expert of
 * the last steps, which VADER's truncated backprop goes through. Refused on a model with one transformer.
 */
export const WanExpert = z.enum(["high-noise", "low-noise"]);
export const ExpertOption = { expert: WanExpert.optional() };

const WanTinyFields = z.strictObject({
  seed: z.number().int().nonnegative().default(0),
  /**
   * "2.1": Wan 2.1 text-to-video; "2.2-ti2v": Wan 2.2 TI2V-5B's layout (48-channel VAE at 16x, a timestep per token; sizes multiples of 32);
   * "2.2-a14b": Wan 2.2 A14B's two experts on the 2.1 VAE, switched at t = 875 (`expert` chooses the one LoRA trains).
   */
  variant: z.enum(["2.1", "2.2-ti2v", "2.2-a14b"]).default("2.1"),
  ...ExpertOption,
  frames: z
    .number()
    .int()
    .min(1)
    .max(257)
    .refine((frames) => (frames - 1) % 4 === 0, { error: (issue) => `must be 4k + 1 for Wan's VAE, such as 5, 9 or 81 (got ${String(issue.input)})` })
    .default(9),
  height: z.number().int().min(16).max(1280).multipleOf(16, { error: "must be a multiple of 16 (Wan's VAE downsamples 8x, its transformer patches 2x2)" }).default(32),
  width: z.number().int().min(16).max(1280).multipleOf(16, { error: "must be a multiple of 16 (Wan's VAE downsamples 8x, its transformer patches 2x2)" }).default(32),
});

/**
 * Options of a tiny Wan 2.1 model (random weights from `seed`, the real diffusers classes). Wan's VAE
 * compresses time 4x after the first frame and space 8x, and the transformer patches 2x2: frames are
 * 4k + 1 and sizes multiples of 16, as for the real model (81 frames at 480x832).
 */
export const WanTinyOptions = WanTinyFields.refine((options) => options.expert === undefined || options.variant === "2.2-a14b", {
  path: ["expert"],
  error: (issue) => `is for the two-expert variant "2.2-a14b" only; variant ${JSON.stringify((issue.input as { variant?: string }).variant ?? "2.1")} has one transformer, so leave expert out`,
});

/**
 * Options of a tiny CogVideoX model (random weights). Its VAE compresses time 4x after the first frame
 * and space 8x, and the transformer patches 2x2: frames are 4k + 1 and sizes multiples of 16 (the real
 * model: 49 frames at 480x720). `variant`: "2b" (learned position embeddings), "5b" (3D rotary
 * embeddings), "1.5" (rotary, and 2-frame temporal patches: an odd latent frame count is padded at the
 * front, as the stock pipeline does).
 */
export const CogVideoXTinyOptions = WanTinyFields.omit({ variant: true, expert: true }).extend({
  variant: z.enum(["2b", "5b", "1.5"]).default("2b"),
  frames: z
    .number()
    .int()
    .min(1)
    .max(257)
    .refine((frames) => (frames - 1) % 4 === 0, { error: (issue) => `must be 4k + 1 for CogVideoX's VAE, such as 9 or 49 (got ${String(issue.input)})` })
    .default(9),
});

/** Options of a tiny AnimateDiff model (an SD 1.5-style UNet with a motion adapter, random weights). */
export const AnimateDiffTinyOptions = TextToVideoTinyOptions;

/**
 * Generate at another size than the folder's own (ModelScope's pipeline takes height and width per
 * call): the denoiser and VAE are convolutional, but a size the weights never saw is off their
 * distribution. Each family checks its own rules in Python, with both numbers in the message (Wan: 4k + 1
 * frames, multiples of 16; ModelScope: multiples of its VAE's factor).
 */
export const GeneratedSize = {
  frames: z.number().int().min(1).max(257).optional(),
  height: z.number().int().min(8).max(2048).optional(),
  width: z.number().int().min(8).max(2048).optional(),
};

/**
 * Where a model runs. "auto": the first CUDA device when there is one, else the CPU; precision
 * "auto": bf16 (fp16 on cards without bf16) frozen weights on CUDA, fp32 on the CPU. LoRA weights
 * and the optimizer always stay fp32.
 */
export const PlacementOptions = {
  device: z
    .string()
    .regex(/^(auto|cpu|cuda(:\d+)?)$/, { error: "must be \"auto\", \"cpu\", \"cuda\" or \"cuda:N\"" })
    .default("auto"),
  precision: z.enum(["auto", "fp32", "fp16", "bf16"]).default("auto"),
};

/** Where a model comes from: a tiny model of a family (its options checked by that family's schema), or a folder. */
export const ModelSource = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("tiny"),
    family: implementationName("model family", "text-to-video").default("text-to-video"),
    options: z.record(z.string(), z.unknown()).default({}),
  }),
  /** A folder written by Model.save, or a diffusers checkpoint; the family is read from disk. */
  z.strictObject({ kind: z.literal("directory"), directory: z.string().min(1), ...GeneratedSize, ...ExpertOption }),
]);

export const ModelCreateParams = z.strictObject({ source: ModelSource, ...PlacementOptions });

const AdapterInfo = z.strictObject({ rank: z.number().int(), alpha: z.number(), targetModules: z.array(z.string()) });

/** What the bridge reports about a loaded model: family, video size, device and dtypes, parameter counts, LoRA adapters, prediction type, default scheduler and notes. */
export const ModelInfo = z.strictObject({
  handle: HandleId,
  family: z.string(),
  frames: z.number().int().positive(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  /** Where the weights actually are, and in which dtypes. */
  device: z.string(),
  weightsDtype: z.string(),
  adapterDtype: z.string(),
  parameters: z.strictObject({ total: z.number().int(), trainable: z.number().int() }),
  /** LoRA adapters by name; `activeAdapter` is the one sampling runs and training trains (null: the base model). */
  adapters: z.record(z.string(), AdapterInfo),
  activeAdapter: z.string().nullable(),
  /** What the denoiser predicts (epsilon, v_prediction, sample, or flow_prediction: the flow velocity). */
  predictionType: z.string(),
  /** The scheduler a spec without a name gets on this model ("ddim", or "flow-match" for flow matching). */
  defaultScheduler: z.string(),
  /** What Python changed about the model or its schedule and why (e.g. a repaired noise schedule, a resize). */
  notes: z.array(z.string()),
});
export type ModelInfo = z.output<typeof ModelInfo>;
