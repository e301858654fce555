import { z } from "zod";
import { implementationName } from "./names.js";

/** A reward as plain data: a named reward, or a scaling, sum, target or clip of other specs. */
export type RewardSpec =
  | { kind: "named"; name: string; options: Record<string, unknown> }
  | { kind: "scaled"; factor: number; reward: RewardSpec }
  | { kind: "sum"; terms: RewardSpec[] }
  | { kind: "target"; target: number; reward: RewardSpec }
  | { kind: "clip"; min?: number; max?: number; reward: RewardSpec }
  | { kind: "typescript"; name: string; timeoutMs: number };

/** The most a TypeScript reward function may take to answer, by default (5 minutes). */
export const DEFAULT_REWARD_FUNCTION_TIMEOUT_MS = 300_000;

/** A TypeScript reward function's name: its label in the metrics. */
export const RewardFunctionName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, { error: "must be a reward name such as \"mean-red\" (a letter, then letters, digits, _ . -; at most 64)" });

const finite = z.number().refine(Number.isFinite, { error: "must be a finite number" });

/**
 * A reward as data: a tree of named rewards, scalings, sums, targets (-|r - target|) and clips
 * that Python builds into a module, and TypeScript functions (`typescript`: the function stays in
 * TypeScript, which Python asks for scores; no gradient).
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
      factor: finite,
      reward: RewardSpecSchema,
    }),
    /** -|r - target|: the reward is highest when the inner one equals `target` (VADER's aesthetic target shaping). */
    z.strictObject({ kind: z.literal("target"), target: finite, reward: RewardSpecSchema }),
    /** The inner reward clamped to [min, max]; at least one bound. */
    z
      .strictObject({ kind: z.literal("clip"), min: finite.optional(), max: finite.optional(), reward: RewardSpecSchema })
      .refine((clip) => clip.min !== undefined || clip.max !== undefined, { error: "must have min, max or both" })
      .refine((clip) => clip.min === undefined || clip.max === undefined || clip.min <= clip.max, { error: "must not be below min", path: ["max"] }),
    /** A TypeScript function's scores (Reward.fromFunction): the spec names it; the function itself cannot travel. */
    z.strictObject({
      kind: z.literal("typescript"),
      name: RewardFunctionName,
      timeoutMs: z.number().int().min(1).max(86_400_000).default(DEFAULT_REWARD_FUNCTION_TIMEOUT_MS),
    }),
    z.strictObject({
      kind: z.literal("sum"),
      terms: z.array(RewardSpecSchema).min(1, { error: "must list at least one reward" }),
    }),
  ]),
);
