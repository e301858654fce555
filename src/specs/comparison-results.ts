// results.json of a comparison (`compare()`, `vader compare`); documented field by field in docs/compare.md.
import { z } from "zod";
import { RewardSpecSchema } from "./reward-spec.js";
import { SchedulerConfig } from "./scheduler-config.js";
import { TrainingMethodName } from "./trainers/methods.js";

export const COMPARISON_RESULTS_VERSION = 1;

/** The digit world's judge on a set of final samples. */
export const JudgeScore = z.strictObject({
  samples: z.number().int().positive(),
  /** Fraction of frames showing the prompted digit. */
  digitAccuracy: z.number().min(0).max(1),
  /** Fraction of clips moving the prompted way. */
  directionAccuracy: z.number().min(0).max(1),
});

/** Final samples of one model (the base, or the base with one trained adapter) on one prompt set. */
export const SampleScore = z.strictObject({
  /** Mean reward of the samples. */
  reward: z.number(),
  /** The judge on the same samples; null when the comparison ran without it. */
  judge: JudgeScore.nullable(),
});
export type SampleScore = z.output<typeof SampleScore>;

/** Train prompts and (null without test prompts) unseen test prompts. */
export const SplitScores = z.strictObject({ train: SampleScore, test: SampleScore.nullable() });
export type SplitScores = z.output<typeof SplitScores>;

/** One training step on a run's curve; cumulative in queries, CPU and wall seconds. */
export const CurvePoint = z.strictObject({
  step: z.number().int().positive(),
  rewardQueries: z.number().int().nonnegative(),
  /** CPU seconds of the Python process spent in training steps so far (all threads). */
  cpuSeconds: z.number().nonnegative(),
  wallSeconds: z.number().nonnegative(),
  /** Mean and std of the rewards of the videos this step scored. */
  rewardMean: z.number(),
  rewardStd: z.number().nonnegative(),
});
export type CurvePoint = z.output<typeof CurvePoint>;

/** One method at one learning rate and seed. */
export const ComparisonRun = z.strictObject({
  method: TrainingMethodName,
  lr: z.number().positive(),
  seed: z.number().int().nonnegative(),
  /** The LoRA adapter it trained on the shared base. */
  adapter: z.string(),
  /** Its run directory, relative to the comparison's folder (config.json, metrics.jsonl, lora/, samples, evaluation.json). */
  runDirectory: z.string(),
  steps: z.number().int().positive(),
  rewardQueries: z.number().int().positive(),
  /** The method's resolved trainer config. */
  trainer: z.record(z.string(), z.unknown()),
  curve: z.array(CurvePoint).min(1),
  final: SplitScores,
});
export type ComparisonRun = z.output<typeof ComparisonRun>;

/** A method at the learning rate whose final train reward (mean over seeds) was highest. */
export const MethodSummary = z.strictObject({
  method: TrainingMethodName,
  lr: z.number().positive(),
  /** Means over seeds of the runs at that lr. */
  final: SplitScores,
  rewardQueries: z.number().int().positive(),
  cpuSeconds: z.number().nonnegative(),
  /**
   * True when the train reward rose over the base while the judge's measure of the task did not
   * (docs/compare.md); null without the judge or for a reward the judge does not measure.
   */
  rewardHacking: z.boolean().nullable(),
});
export type MethodSummary = z.output<typeof MethodSummary>;

export const ComparisonResults = z.strictObject({
  version: z.literal(COMPARISON_RESULTS_VERSION),
  createdAt: z.string(),
  reward: RewardSpecSchema,
  /** The reward as printed ("digit", "brightness x 2", ...). */
  rewardName: z.string(),
  /** The base every method started from: its description and the SHA-256 of its weights. */
  base: z.strictObject({ model: z.record(z.string(), z.unknown()), fingerprint: z.string() }),
  methods: z.array(TrainingMethodName).min(1),
  budget: z.number().int().positive(),
  seeds: z.array(z.number().int().nonnegative()).min(1),
  /** The learning rates each method ran. */
  sweep: z.partialRecord(TrainingMethodName, z.array(z.number().positive()).min(1)),
  prompts: z.strictObject({ train: z.array(z.string()).min(1), test: z.array(z.string()) }),
  evaluation: z.strictObject({
    samplesPerPrompt: z.number().int().positive(),
    seed: z.number().int().nonnegative(),
    scheduler: SchedulerConfig,
    guidanceScale: z.number(),
    judge: z.boolean(),
  }),
  /** The base model's final samples (no adapter), the row every method is measured against. */
  baseScores: SplitScores,
  runs: z.array(ComparisonRun).min(1),
  summary: z.array(MethodSummary).min(1),
  /** The comparison's own files, relative to its folder. */
  files: z.strictObject({ table: z.string(), plot: z.string() }),
});
export type ComparisonResults = z.output<typeof ComparisonResults>;
