// What `compare()` / `vader compare` runs: methods, the budget of reward queries, seeds, the
// learning-rate sweep, prompts and how final samples are scored (docs/compare.md).
import { z } from "zod";
import { between, wholeNumber } from "./bounds.js";
import { SchedulerConfig } from "./scheduler-config.js";
import { TRAINING_METHODS, TrainingMethodName as MethodName, type TrainingMethod } from "./trainers/methods.js";
const LearningRate = between(1e-8, 1, " (learning rate)");

/** What a comparison runs: methods, budget of reward queries, seeds, learning-rate sweeps, prompts and final scoring (docs/compare.md). */
export const CompareConfig = z
  .strictObject({
    /** The methods to run, each from the same base, reward, prompts, seeds and budget. */
    methods: z.array(MethodName).min(1, { error: "must list at least one method (vader, ddpo, dpo, grpo)" }).default([...TRAINING_METHODS]),
    /** Reward queries (videos scored once each) per run: each run takes as many whole steps as fit in it. */
    budget: wholeNumber(1, 10_000_000, " reward queries").default(256),
    /** Trainer seeds; every method runs once per seed and learning rate. */
    seeds: z.array(wholeNumber(0, 2 ** 31 - 1)).min(1, { error: "must list at least one seed" }).default([0]),
    /** How many learning rates of each method's stated sweep to run: its base lr, then 10x, then 1/10x. */
    lrsPerMethod: wholeNumber(1, 3).default(3),
    /** An explicit sweep per method, in place of the stated one. */
    learningRates: z.partialRecord(MethodName, z.array(LearningRate).min(1, { error: "must list at least one learning rate" })).default({}),
    /** Each method's trainer options (its own schema checks them), over the comparison's defaults for that method. */
    trainer: z.partialRecord(MethodName, z.record(z.string(), z.unknown())).default({}),
    /** The prompts every method trains on. */
    trainPrompts: z.array(z.string().min(1)).min(1, { error: "must list at least one training prompt" }),
    /** Unseen prompts on which the final samples are scored too (empty: train prompts only). */
    testPrompts: z.array(z.string().min(1)).default([]),
    /** How the base and every trained adapter are scored at the end: the same sampler and seed for all. */
    evaluation: z
      .strictObject({
        samplesPerPrompt: wholeNumber(1, 64).default(2),
        seed: wholeNumber(0, 2 ** 31 - 1).default(4321),
        scheduler: SchedulerConfig.default({ steps: 20, eta: 0 }),
        guidanceScale: between(1, 50).default(3),
        /** Score the final samples with the digit world's judge too (the prompts must be world captions). */
        judge: z.boolean().default(true),
      })
      .default({ samplesPerPrompt: 2, seed: 4321, scheduler: { steps: 20, eta: 0 }, guidanceScale: 3, judge: true }),
    /**
     * Held-out samples that choose each method's learning rate: the train prompts sampled with
     * another seed (the evaluation's sampler and guidance), so the samples the table reports never
     * choose anything.
     */
    validation: z
      .strictObject({
        samplesPerPrompt: wholeNumber(1, 64).default(1),
        seed: wholeNumber(0, 2 ** 31 - 1).default(8765),
      })
      .default({ samplesPerPrompt: 1, seed: 8765 }),
  })
  .superRefine((config, context) => {
    if (config.validation.seed === config.evaluation.seed) {
      context.addIssue({
        code: "custom",
        path: ["validation", "seed"],
        message: `must differ from evaluation.seed (both ${config.evaluation.seed}): the samples that choose a learning rate must not be the ones reported`,
      });
    }
    for (const method of Object.keys(config.learningRates)) {
      if (!config.methods.includes(method as TrainingMethod)) {
        context.addIssue({ code: "custom", path: ["learningRates", method], message: `is a sweep for ${method}, which is not in methods (${config.methods.join(", ")}); add it to methods or drop the sweep` });
      }
    }
  });
export type CompareConfig = z.output<typeof CompareConfig>;
/** A comparison's config as written (`compare()` options, a `vader compare` config file), defaults not yet filled in. */
export type CompareConfigInput = z.input<typeof CompareConfig>;
