import { z } from "zod";

/** A number in [low, high]; the message names both ends and what was given. */
export const between = (low: number, high: number, what = "") =>
  z
    .number()
    .min(low, { error: (issue) => `must be between ${low} and ${high}${what} (got ${String(issue.input)})` })
    .max(high, { error: (issue) => `must be between ${low} and ${high}${what} (got ${String(issue.input)})` });

export const wholeNumber = (low: number, high: number, what = "") =>
  between(low, high, what).int({ error: (issue) => `must be a whole number (got ${String(issue.input)})` });
