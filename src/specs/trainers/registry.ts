// The built-in trainers, one line each; everything else about a trainer is in its own spec file.
import { DDPO } from "./ddpo-config.js";
import { DPO } from "./dpo-config.js";
import { GRPO } from "./grpo-config.js";
import { VADER } from "./vader-config.js";

export const TRAINERS = { vader: VADER, ddpo: DDPO, dpo: DPO, grpo: GRPO } as const;
