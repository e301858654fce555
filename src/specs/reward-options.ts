// The options of each built-in reward (python-bridge/vader_bridge/rewards/<name>.py builds its
// config from the JSON Schema generated from these).
import { z } from "zod";
import { wholeNumber } from "./bounds.js";

export const NoOptions = z.strictObject({});


export const TestingExceptionOptions = z.strictObject({
  message: z.string().default("testing-exception reward raised on purpose (it exists to test error reporting)"),
});

/** A folder with a classifier's `model.safetensors` and `config.json`; default: the digit world's own. */
const ClassifierWeights = z.string().min(1).optional();

/** The digit world's rewards (python-bridge/vader_bridge/rewards/{digit,motion,removal}.py; docs/world.md). */
export const DigitOptions = z.strictObject({ weights: ClassifierWeights });
export const MotionOptions = z.strictObject({ weights: ClassifierWeights });
export const RemovalOptions = z.strictObject({
  /** The digit that should not appear. */
  digit: z.number().int().min(0).max(9).default(0),
  weights: ClassifierWeights,
});

/**
 * Which decoded frames a per-frame reward scores; a video's score is the mean over them. "indices"
 * are the video's own frame numbers, so a VADER trainer with such a term decodes every frame.
 */
export const FrameSelection = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("all") }),
    z.strictObject({ mode: z.literal("every"), every: wholeNumber(1, 1024) }),
    z.strictObject({ mode: z.literal("random") }),
    z.strictObject({ mode: z.literal("indices"), indices: z.array(z.number().int().nonnegative()).min(1, { error: "must list at least one frame index" }) }),
  ])
  .default({ mode: "all" });

/** The pixel statistics (colorfulness, contrast, saturation) have only the frames they score. */
export const PixelStatisticOptions = z.strictObject({ frames: FrameSelection });

/**
 * The `python` reward: a user's own function, `module:function` (importable from the bridge's
 * PYTHONPATH) or `path/to/file.py:function`, called with frames [B, F, 3, H, W] in [0, 1] and the
 * prompts; it returns a differentiable score per video [B] (python-bridge/vader_bridge/rewards/python_function.py).
 */
export const PythonFunctionOptions = z.strictObject({
  function: z.string().regex(/^[^:]+:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, {
    error: "must name a function as module:function (e.g. \"my_rewards:sharpness\") or path/to/file.py:function",
  }),
  /** Per frame (the default): which decoded frames the function is given. */
  frames: FrameSelection,
  /** The function scores whole clips: it is given every frame, and a VADER trainer decodes them all. */
  wholeClip: z.boolean().default(false),
});

export const BrightnessOptions = z.strictObject({
  /** Without a target, brighter is better (up to white); with one, closeness to that mean luma. */
  target: z.number().min(0).max(1).optional(),
  frames: FrameSelection,
});

/**
 * Where a reward's weights are: a local path (a `save_pretrained` folder, or one weight file), a hub
 * id already in the local Hugging Face cache ("org/name"), or one file of a cached repository
 * ("org/name/file.pth"). Nothing is ever downloaded (python-bridge/vader_bridge/rewards/weight_files.py).
 */
const WeightsAt = (fallback: string) => z.string().min(1).default(fallback);

/** LAION aesthetic predictor v2: CLIP ViT-L/14 image embedding (L2-normalised) into the MLP 768-1024-128-64-16-1. */
export const AestheticOptions = z.strictObject({
  /** A transformers CLIPModel (ViT-L/14). */
  clip: WeightsAt("openai/clip-vit-large-patch14"),
  /** The MLP head's state dict (keys layers.0/2/4/6/7): the original .pth, or safetensors. */
  head: WeightsAt("trl-lib/ddpo-aesthetic-predictor/aesthetic-model.pth"),
  frames: FrameSelection,
});

/** Aesthetic predictor v2.5: a SigLIP so400m vision tower and its scoring head (scores about 1-10). */
export const AestheticV25Options = z.strictObject({
  /** A transformers SigLIP folder (its vision tower is used). */
  siglip: WeightsAt("google/siglip-so400m-patch14-384"),
  /** The predictor's own .pth (aesthetic_predictor_v2_5.pth from discus0434/aesthetic-predictor-v2-5), or safetensors. */
  head: z.string().min(1),
  frames: FrameSelection,
});

/** HPSv2 (v2.0 or v2.1): human preference score on open_clip ViT-H-14, from its original open_clip checkpoint. */
export const HpsV2Options = z.strictObject({
  version: z.enum(["v2.0", "v2.1"]).default("v2.1"),
  /** The open_clip state dict (HPS_v2_compressed.pt / HPS_v2.1_compressed.pt); default: xswu/HPSv2 in the cache. */
  checkpoint: z.string().min(1).optional(),
  /** A transformers CLIP folder of the same architecture, for its config and tokenizer. */
  clip: WeightsAt("laion/CLIP-ViT-H-14-laion2B-s32B-b79K"),
  frames: FrameSelection,
});

/** PickScore: a CLIP ViT-H-14 fine-tuned on Pick-a-Pic preferences (logit scale x cosine similarity). */
export const PickScoreOptions = z.strictObject({
  model: WeightsAt("yuvalkirstain/PickScore_v1"),
  /** The tokenizer's folder, when the model folder has none. */
  processor: WeightsAt("laion/CLIP-ViT-H-14-laion2B-s32B-b79K"),
  frames: FrameSelection,
});

/** Cosine similarity between image and prompt embeddings of any transformers CLIP model. */
export const ClipScoreOptions = z.strictObject({
  model: WeightsAt("openai/clip-vit-large-patch14"),
  frames: FrameSelection,
});

/** One minus YOLOS's confidence that a frame shows the named COCO class (the paper's object removal). */
export const ObjectRemovalOptions = z.strictObject({
  model: WeightsAt("hustvl/yolos-base"),
  /** The class to remove, as the detector's id2label names it ("dog", "book"). */
  object: z.string().min(1),
  frames: FrameSelection,
});

/** VideoMAE fine-tuned on Kinetics: the probability of an action, from the whole clip. */
export const ActionOptions = z.strictObject({
  model: WeightsAt("MCG-NJU/videomae-base-finetuned-kinetics"),
  /** The action's label in the model's id2label; left out, the label the prompt names (the longest one it contains). */
  action: z.string().min(1).optional(),
});

/** V-JEPA 2: minus its masked feature-prediction loss on the clip (targets detached), i.e. how predictable the video is. */
export const TemporalConsistencyOptions = z.strictObject({
  model: WeightsAt("facebook/vjepa2-vitl-fpc64-256"),
  /** The share of space-time patches the predictor must predict. */
  maskRatio: z.number().gt(0).lt(1).default(0.5),
  /** Seeds the mask, so a video's score does not change from call to call. */
  seed: z.number().int().nonnegative().default(0),
});
