import { z } from "zod";
import { implementationName } from "./names.js";

export type RewardSpec =
  | { kind: "named"; name: string; options: Record<string, unknown> }
  | { kind: "scaled"; factor: number; reward: RewardSpec }
  | { kind: "sum"; terms: RewardSpec[] };

/**
 * A reward as data: a tree of named rewards, scalings and sums that Python builds into a module.
 * A named reward's `options` are checked against that reward's own schema (reward-options.ts for
 * the built-ins; a Python-only plugin declares its schema in Python).
 */
export const RewardSpecSchema: z.ZodType<RewardSpec, unknown> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("named"),
      name: implementationName("reward", "brightness"),
      /** May be left out: the reward's defaults. */
      options: z.record(z.string(), z.unknown()).default({}),
    }),
    z.strictObject({
      kind: z.literal("scaled"),
      factor: z.number().refine(Number.isFinite, { error: "must be a finite number" }),
      reward: RewardSpecSchema,
    }),
    z.strictObject({
      kind: z.literal("sum"),
      terms: z.array(RewardSpecSchema).min(1, { error: "must list at least one reward" }),
    }),
  ]),
);
