import { z } from "zod";

/** The name of a registered implementation (a reward, scheduler, family or algorithm): lowercase, dashes, dots for versions ("aesthetic-v2.5"). */
export const implementationName = (kind: string, example: string) =>
  z.string().regex(/^[a-z][a-z0-9.-]*$/, { error: `must be ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} name such as "${example}" (lowercase, dashes, dots)` });

/** An SDK handle id, such as "model-1". */
export const HandleId = z.string().regex(/^[a-z]+-\d+$/, { error: "must be a handle id such as \"model-1\"" });
