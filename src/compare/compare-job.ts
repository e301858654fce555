// A comparison as data (what `vader compare` runs): the model, the reward and the comparison's
// config; the digit world's tasks (and the tiny smoke test) as such jobs, and overrides merged over one.
import { Reward } from "../reward/reward.js";
import type { CompareConfigInput } from "../specs/compare-config.js";
import type { RewardSpec } from "../specs/reward-spec.js";
import { TRAINING_METHODS } from "../specs/trainers/methods.js";
import { sharedTaskFields } from "../trainer/by-method.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { worldPrompts } from "../world/judge.js";
import { JobModel, TINY_TRAIN_JOB, WORLD_TASKS, type WorldTask } from "../world/train-job.js";
import { WORLD_BASE_DIRECTORY, WORLD_SAMPLING } from "../world/world-defaults.js";

/** A comparison job: the base model, the reward, and `compare`'s config (methods, budget, seeds, trainers, prompts, evaluation). */
export interface CompareJob {
  model: JobModel;
  reward: RewardSpec;
  comparison: CompareConfigInput;
}

/** Which captions of the world's splits to train and judge on: all of them, or only the task's own (where the base is weak). */
export const CAPTION_SETS = ["all", "task"] as const;
/** One of `CAPTION_SETS`. */
export type CaptionSet = (typeof CAPTION_SETS)[number];

/** What `worldCompareJob` builds: a digit-world task (or the tiny smoke test), its model folder, frame size and captions. */
export interface WorldCompareJobOptions {
  /** The digit-world task (default: digit); ignored with `tiny`. */
  task?: WorldTask;
  /** The random-weight tiny model with a brightness reward and no judge (smoke test). */
  tiny?: boolean;
  /** Generated frame size in pixels (square); default: the model's own. */
  size?: number;
  /** The model folder (default: the digit world's base); ignored with `tiny`. */
  directory?: string;
  /** All the world's captions (default), or only the task's own. */
  captions?: CaptionSet;
}

/** The tiny smoke comparison: the random tiny model at 4 frames of 16x16, sampled in 4 DDIM steps without guidance. */
const TINY_MODEL = { ...TINY_TRAIN_JOB.model, frames: 4, height: 16, width: 16 };
const TINY_SAMPLER = { scheduler: { name: "ddim", steps: 4, eta: 1 }, guidanceScale: 1 } as const;

/**
 * Captions of the world's split, less those naming the digit a removal reward removes (they would
 * ask for the impossible); with `only`, only those among them.
 */
async function promptsOf(bridge: BridgeClient, split: "train" | "test", reward: RewardSpec, only?: readonly string[]): Promise<string[]> {
  const removed = reward.kind === "named" && reward.name === "removal" ? reward.options.digit : undefined;
  return (await worldPrompts(bridge, split)).filter(
    (prompt) => (removed === undefined || !prompt.startsWith(`digit ${String(removed)} `)) && (only === undefined || only.includes(prompt)),
  );
}

/**
 * A digit-world task as a comparison (`vader compare --reward TASK`): VADER keeps the task's own
 * trainer settings, the baselines its sampler, guidance, LoRA and seed; trained and judged on the
 * world's prompt splits. With `tiny`, the smoke test: the tiny model, brightness, two captions of each split, no judge.
 */
export async function worldCompareJob(bridge: BridgeClient, options: WorldCompareJobOptions = {}): Promise<CompareJob> {
  const size = options.size !== undefined ? { height: options.size, width: options.size } : {};
  if (options.tiny) {
    const prompts = { train: (await worldPrompts(bridge, "train")).slice(0, 2), test: (await worldPrompts(bridge, "test")).slice(0, 2) };
    return {
      model: JobModel.parse({ ...TINY_MODEL, ...size }),
      reward: Reward.from(TINY_TRAIN_JOB.reward).spec,
      comparison: {
        trainer: { vader: { ...TINY_TRAIN_JOB.trainer, ...TINY_SAMPLER }, ddpo: TINY_SAMPLER, dpo: TINY_SAMPLER, grpo: TINY_SAMPLER },
        trainPrompts: prompts.train,
        testPrompts: prompts.test,
        // A random model draws no digits: nothing for the judge to read.
        evaluation: { samplesPerPrompt: 1, scheduler: { name: "ddim", steps: 4, eta: 0 }, guidanceScale: 1, judge: false },
      },
    };
  }
  const task = WORLD_TASKS[options.task ?? "digit"];
  const reward = Reward.from(task.reward).spec;
  const shared = sharedTaskFields(task.trainer);
  const only = options.captions === "task" ? task.prompts : undefined;
  return {
    model: JobModel.parse({ directory: options.directory ?? WORLD_BASE_DIRECTORY, ...size }),
    reward,
    comparison: {
      trainer: { vader: task.trainer, ddpo: shared, dpo: shared, grpo: shared },
      trainPrompts: await promptsOf(bridge, "train", reward, only),
      testPrompts: await promptsOf(bridge, "test", reward, only),
      evaluation: { samplesPerPrompt: 2, scheduler: WORLD_SAMPLING.scheduler, guidanceScale: WORLD_SAMPLING.guidanceScale, judge: true },
    },
  };
}

/**
 * `overrides` over a job's comparison: each method's trainer options and the evaluation merged
 * field by field, the rest replaced; the methods default to all four, and learning-rate sweeps
 * are kept only for the methods that run.
 */
export function mergeCompareJob(job: CompareJob, overrides: Partial<CompareConfigInput>): CompareJob {
  const methods = overrides.methods ?? job.comparison.methods ?? [...TRAINING_METHODS];
  const trainer = { ...job.comparison.trainer } as Record<string, Record<string, unknown>>;
  for (const [method, options] of Object.entries(overrides.trainer ?? {})) trainer[method] = { ...trainer[method], ...(options as Record<string, unknown>) };
  const comparison: CompareConfigInput = { ...job.comparison, ...overrides, methods, trainer, evaluation: { ...job.comparison.evaluation, ...overrides.evaluation } };
  // Learning-rate sweeps only for the methods that run (a file may list sweeps for all four).
  if (comparison.learningRates) {
    comparison.learningRates = Object.fromEntries(Object.entries(comparison.learningRates).filter(([method]) => (methods as string[]).includes(method)));
  }
  return { ...job, comparison };
}
