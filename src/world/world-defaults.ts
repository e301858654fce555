// The digit world (docs/world.md): a base text-to-video model pretrained on Moving-MNIST clips of
// real digits, learned rewards, and a judge. Its weights ship in the package's world/ folder.
import { fileURLToPath } from "node:url";
import type { SchedulerConfigInput } from "../specs/scheduler-config.js";

/** The pretrained base (ModelScope layout); from src/world or dist/world alike, two levels up is the package root. */
export const WORLD_BASE_DIRECTORY = fileURLToPath(new URL("../../world/base", import.meta.url));

/** How the world's base samples best (measured in docs/world.md): DDIM with classifier-free guidance. */
export const WORLD_SAMPLING = {
  scheduler: { name: "ddim", steps: 20, eta: 0 } satisfies SchedulerConfigInput,
  guidanceScale: 3,
};
