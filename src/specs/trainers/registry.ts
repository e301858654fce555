// The built-in trainers, one line each, keyed by the name each spec declares (the name Python
// registers); everything else about a trainer is in its own spec file.
import { DDPO } from "./ddpo-config.js";
import { DPO } from "./dpo-config.js";
import { GRPO } from "./grpo-config.js";
import { VADER } from "./vader-config.js";

/** The built-in trainers' specs by method name: vader, ddpo, dpo, grpo. */
export const TRAINERS = { [VADER.name]: VADER, [DDPO.name]: DDPO, [DPO.name]: DPO, [GRPO.name]: GRPO } as const;
