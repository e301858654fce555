// Everything TypeScript knows about one trainer, declared beside its config schema: its name and
// label, the config's zod schema, the shape of its step metrics, the reward queries one step
// spends, and its settings in a comparison. A new trainer is its Python file, its spec file and one
// line in registry.ts (docs/extending.md).
import type { z } from "zod";
import type { StepMetrics } from "../metrics.js";

/** Reward queries every method spends per step in a comparison, so that all curves have points at the same query counts. */
export const COMPARISON_QUERIES_PER_STEP = 4;

/** Everything TypeScript knows about one trainer (see `defineTrainer`). */
export interface TrainerSpec<Name extends string = string, Config extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>, Metrics extends z.ZodType<StepMetrics> = z.ZodType<StepMetrics>> {
  /** The name Python registers it under (`@register("trainer", name)`) and `--method` takes. */
  name: Name;
  /** How it is named in print and in tables. */
  label: string;
  /** The zod schema of its config (Python validates against the JSON Schema made from it). */
  config: Config;
  /** The zod schema of one step's metrics. */
  metrics: Metrics;
  /** Reward queries (videos scored once each) one step spends under a resolved config (docs/trainers.md, "What a step is"). */
  queriesPerStep: (config: z.output<Config>) => number;
  /** Its settings in a comparison, over its own defaults: they spend COMPARISON_QUERIES_PER_STEP queries a step. */
  comparisonDefaults: Record<string, unknown>;
}

/** A trainer's spec, with its types kept. */
export function defineTrainer<Name extends string, Config extends z.ZodType<Record<string, unknown>>, Metrics extends z.ZodType<StepMetrics>>(
  spec: TrainerSpec<Name, Config, Metrics>,
): TrainerSpec<Name, Config, Metrics> {
  return spec;
}
