// results.json of a comparison (`compare()`, `vader compare`); documented field by field in docs/compare.md.
import { z } from "zod";
import { RewardSpecSchema } from "./reward-spec.js";
import { SchedulerConfig } from "./scheduler-config.js";
import { TrainingMethodName } from "./trainers/methods.js";

/** 2: runs carry their validation scores and peak memory; summaries their selection rule, seed spread and judge falls. */
export const COMPARISON_RESULTS_VERSION = 2;

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
  /** The held-out samples that choose the learning rate (train prompts, the validation seed); null in results written before they existed. */
  validation: SampleScore.nullable(),
  /** Peak memory of the run (resident set on the CPU, allocated on CUDA), reset when its trainer was built; null before it was recorded. */
  peakMemoryBytes: z.number().nonnegative().nullable(),
});
export type ComparisonRun = z.output<typeof ComparisonRun>;

/** The spread over seeds of one split's final scores (population std; 0 with one seed). */
export const ScoreSpread = z.strictObject({
  reward: z.number().nonnegative(),
  digitAccuracy: z.number().nonnegative().nullable(),
  directionAccuracy: z.number().nonnegative().nullable(),
});
export type ScoreSpread = z.output<typeof ScoreSpread>;

/** A judge measure that fell against the base on the same prompts and seeds, by more than the comparison's margin. */
export const JudgeFall = z.strictObject({
  split: z.enum(["train", "test"]),
  measure: z.enum(["digitAccuracy", "directionAccuracy"]),
  base: z.number(),
  trained: z.number(),
});
export type JudgeFall = z.output<typeof JudgeFall>;

/** A method at its chosen learning rate. */
export const MethodSummary = z.strictObject({
  method: TrainingMethodName,
  lr: z.number().positive(),
  /** What chose the lr: the held-out validation samples, or (results written before they existed) the reported train samples. */
  selectedOn: z.enum(["validation", "train"]),
  /** Means over seeds of the runs at that lr. */
  final: SplitScores,
  /** The seeds behind those means and their spread. */
  seeds: z.number().int().positive(),
  spread: z.strictObject({ train: ScoreSpread, test: ScoreSpread.nullable() }),
  rewardQueries: z.number().int().positive(),
  cpuSeconds: z.number().nonnegative(),
  /**
   * True when the train reward rose over the base while the judge's measure of the task did not
   * (docs/compare.md); null without the judge or for a reward the judge does not measure.
   */
  rewardHacking: z.boolean().nullable(),
  /** Every judge measure that fell against the base (any split, whatever the reward did); empty when none did or without the judge. */
  judgeFalls: z.array(JudgeFall),
});
export type MethodSummary = z.output<typeof MethodSummary>;

/**
 * The paper's sample-efficiency reading, from the training curves (mean over seeds, trailing mean):
 * the reward queries each method needed to reach the reference method's final level; null where it
 * did not within its budget.
 */
export const QueriesToMatch = z.strictObject({
  reference: TrainingMethodName,
  level: z.number(),
  queries: z.partialRecord(TrainingMethodName, z.number().int().positive().nullable()),
});
export type QueriesToMatch = z.output<typeof QueriesToMatch>;

/** A comparison's results.json: what ran, every run's curve and scores, and each method's summary (docs/compare.md). */
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
  /** The held-out samples that chose each learning rate; null in results written before they existed. */
  validation: z.strictObject({ samplesPerPrompt: z.number().int().positive(), seed: z.number().int().nonnegative() }).nullable(),
  /** The base model's final samples (no adapter), the row every method is measured against. */
  baseScores: SplitScores,
  runs: z.array(ComparisonRun).min(1),
  summary: z.array(MethodSummary).min(1),
  /** Null without VADER among the methods. */
  queriesToMatch: QueriesToMatch.nullable(),
  /** The comparison's own files, relative to its folder. */
  files: z.strictObject({ table: z.string(), plot: z.string() }),
});
export type ComparisonResults = z.output<typeof ComparisonResults>;
