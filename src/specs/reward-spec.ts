import { z } from "zod";

/** Names of the built-in rewards the bridge registers (python-bridge/vader_bridge/rewards). */
export const BUILT_IN_REWARDS = ["brightness", "colorfulness", "contrast", "saturation", "testing-exception"] as const;

export type RewardSpec =
  | { kind: "named"; name: string; options: Record<string, unknown> }
  | { kind: "scaled"; factor: number; reward: RewardSpec }
  | { kind: "sum"; terms: RewardSpec[] };

/** A reward as data: a tree of named rewards, scalings and sums that Python builds into a module. */
export const RewardSpecSchema: z.ZodType<RewardSpec> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("named"),
      name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "must be a reward name such as \"brightness\" (lowercase, dashes)" }),
      options: z.record(z.string(), z.unknown()),
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
