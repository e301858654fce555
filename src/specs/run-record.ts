import { z } from "zod";
import { StepMetrics } from "./metrics.js";

/** What a run directory holds, as `Run.load` returns it (python-bridge/vader_bridge/run_directory.py owns the files). */
export const RunRecord = z.strictObject({
  directory: z.string(),
  /** config.json: the resolved job, or null if the run never wrote one. */
  config: z.record(z.string(), z.unknown()).nullable(),
  /** metrics.jsonl, one record per completed step. */
  metrics: z.array(StepMetrics),
  /** lora/ (peft's adapter files), or null before the first save point. */
  loraDirectory: z.string().nullable(),
  /** Sample GIFs by name ("before-0" -> ".../before-0.gif"). */
  samples: z.record(z.string(), z.string()),
  /** evaluation.json: the digit world's judge before and after training, or null if it did not run. */
  evaluation: z.record(z.string(), z.unknown()).nullable(),
  /** rewards.json: each named reward term (its label in the metrics' rewardTerms, name, version, options, weight files' sha256), or null before a fit. */
  rewardTerms: z
    .array(
      z.strictObject({
        label: z.string(),
        name: z.string(),
        version: z.string(),
        options: z.record(z.string(), z.unknown()),
        files: z.record(z.string(), z.strictObject({ path: z.string(), sha256: z.string() })),
      }),
    )
    .nullable(),
});
export type RunRecord = z.output<typeof RunRecord>;
