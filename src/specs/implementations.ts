// The built-in implementations of each noun and the schema of each one's own config. Python
// registers the same names (a test checks both lists agree) and builds each config object from
// the JSON Schema generated from these. Adding a built-in = its Python file + one line here.
import { DdimOptions, FlowMatchOptions } from "../specs/scheduler-config.js";
import { AnimateDiffTinyOptions, CogVideoXTinyOptions, TextToVideoTinyOptions, WanTinyOptions } from "./model-config.js";
import {
  ActionOptions,
  AestheticOptions,
  AestheticV25Options,
  BrightnessOptions,
  ClipScoreOptions,
  DigitOptions,
  HpsV2Options,
  MotionOptions,
  ObjectRemovalOptions,
  PickScoreOptions,
  PixelStatisticOptions,
  PythonFunctionOptions,
  RemovalOptions,
  TemporalConsistencyOptions,
  TestingExceptionOptions,
} from "./reward-options.js";
import { TRAINERS } from "./trainers/registry.js";

type TrainerConfigs = { [Name in keyof typeof TRAINERS]: (typeof TRAINERS)[Name]["config"] };
const trainerConfigs = Object.fromEntries(Object.entries(TRAINERS).map(([name, spec]) => [name, spec.config])) as TrainerConfigs;

/** The built-in implementations of each noun (model, scheduler, reward, trainer), each with the zod schema of its own options. */
export const IMPLEMENTATIONS = {
  /** A family's schema is the options of its tiny (random-weight) model. */
  model: { "text-to-video": TextToVideoTinyOptions, wan: WanTinyOptions, cogvideox: CogVideoXTinyOptions, animatediff: AnimateDiffTinyOptions },
  /** A scheduler's schema is its `options` (steps and eta are common to all: SchedulerConfig). */
  scheduler: { ddim: DdimOptions, "flow-match": FlowMatchOptions },
  reward: {
    brightness: BrightnessOptions,
    colorfulness: PixelStatisticOptions,
    contrast: PixelStatisticOptions,
    saturation: PixelStatisticOptions,
    /** The paper's rewards and today's, from their original weight files (docs/rewards.md). */
    aesthetic: AestheticOptions,
    "aesthetic-v2.5": AestheticV25Options,
    hpsv2: HpsV2Options,
    pickscore: PickScoreOptions,
    "clip-score": ClipScoreOptions,
    "object-removal": ObjectRemovalOptions,
    action: ActionOptions,
    "temporal-consistency": TemporalConsistencyOptions,
    /** The digit world's learned rewards (docs/world.md). */
    digit: DigitOptions,
    motion: MotionOptions,
    removal: RemovalOptions,
    /** A user's own Python function, `module:function` or `path/to/file.py:function` (docs/rewards.md). */
    python: PythonFunctionOptions,
    /** Raises on purpose, for tests of error paths. */
    "testing-exception": TestingExceptionOptions,
  },
  /** Each trainer's spec file declares its config (src/specs/trainers/registry.ts lists them). */
  trainer: trainerConfigs,
} as const;

export type ImplementationKind = keyof typeof IMPLEMENTATIONS;

/** Names of the built-in rewards the bridge registers (python-bridge/vader_bridge/rewards). */
export const BUILT_IN_REWARDS = Object.keys(IMPLEMENTATIONS.reward) as (keyof typeof IMPLEMENTATIONS.reward)[];
