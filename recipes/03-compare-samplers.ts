// Recipe 3: compare samplers.
// The sampler is part of what a reward sees: fewer steps are cheaper, eta > 0 adds noise at every
// step (VADER and the policy-gradient baselines sample with eta 1). Sample the digit world's base
// with DDIM at several step counts and etas on the same prompts and seeds, and print the reward,
// the judge and the time of each; then do the same with flow matching on a tiny Wan model.
//
// Run: npx tsx recipes/03-compare-samplers.ts                 (about 3 minutes on 2 CPU cores)
//      VADER_RECIPE_SMALL=1 npx tsx recipes/03-compare-samplers.ts   (the CI size)
// Look at: the two tables (where does the judge stop improving as steps grow?) and the grids,
// one row per sampler, in recipe-output/03-compare-samplers/.

// %% Imports.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bridge, ConfigError, Model, Reward, Scheduler, Tensor, WORLD_BASE_DIRECTORY, WORLD_SAMPLING, judgeVideos, saveVideoGrid, worldPrompts } from "vader-sdk";

// %% Size: CI sets VADER_RECIPE_SMALL=1 (fewer prompts and samples, the same samplers).
const SMALL = process.env.VADER_RECIPE_SMALL === "1";
const size = SMALL ? { prompts: 2, perPrompt: 1 } : { prompts: 10, perPrompt: 4 };
const OUT = join(process.env.VADER_RECIPE_OUT ?? "recipe-output", "03-compare-samplers");
mkdirSync(OUT, { recursive: true });

// %% Helpers: the first video of each batch stacked into one batch, for a grid with a row per sampler.
function firstOfEach(batches: Tensor<"uint8">[]): Tensor<"uint8"> {
  const [, ...frameShape] = batches[0]?.shape ?? [];
  const length = frameShape.reduce((product, dimension) => product * dimension, 1);
  const data = new Uint8Array(length * batches.length);
  batches.forEach((batch, index) => data.set(batch.data.subarray(0, length), index * length));
  return new Tensor("uint8", [batches.length, ...frameShape], data);
}
const mean = (values: ArrayLike<number>) => Array.from(values).reduce((sum, value) => sum + value, 0) / values.length;

// %% Bridge and the digit world's base. The held-out test captions, each sampled N times.
await using bridge = await Bridge.start();
await using world = await Model.load(bridge, WORLD_BASE_DIRECTORY);
const prompts = (await worldPrompts(bridge, "test")).slice(0, size.prompts).flatMap((prompt) => Array.from({ length: size.perPrompt }, () => prompt));
const digit = Reward.named("digit");

// %% DDIM: step counts and etas. WORLD_SAMPLING (20 steps, eta 0, guidance 3) is how the world
// samples best; the rest trade quality for time, or add noise as the trainers' samplers do.
const ddims = [
  Scheduler.ddim({ steps: 5, eta: 0 }),
  Scheduler.ddim({ steps: 10, eta: 0 }),
  Scheduler.from(WORLD_SAMPLING.scheduler),
  Scheduler.ddim({ steps: 10, eta: 1 }),
  Scheduler.ddim({ steps: 20, eta: 1 }),
];
const label = (scheduler: Scheduler) => `${scheduler.config.name} ${scheduler.config.steps} steps, eta ${scheduler.config.eta}`;

// %% Sample with each on the same prompts and seed, and time it. The judge (trained apart from the
// reward) reads the digit in each frame and the direction of each clip.
console.log(`digit world, ${prompts.length} videos per sampler, guidance ${WORLD_SAMPLING.guidanceScale}`);
console.log(`${"sampler".padEnd(30)} ${"seconds".padStart(8)} ${"digit reward".padStart(13)} ${"judge: digit".padStart(13)} ${"judge: direction".padStart(17)}`);
const worldRows: Tensor<"uint8">[] = [];
for (const scheduler of ddims) {
  const started = performance.now();
  const videos = await world.sample({ prompts, seed: 7, scheduler, guidanceScale: WORLD_SAMPLING.guidanceScale });
  const seconds = (performance.now() - started) / 1000;
  const judge = await judgeVideos(bridge, videos, prompts);
  const reward = mean(await digit.score(bridge, videos, prompts));
  worldRows.push(videos);
  console.log(
    `${label(scheduler).padEnd(30)} ${seconds.toFixed(2).padStart(8)} ${reward.toFixed(4).padStart(13)} ${`${(judge.digitAccuracy * 100).toFixed(1)}%`.padStart(13)} ${`${(judge.directionAccuracy * 100).toFixed(1)}%`.padStart(17)}`,
  );
}
await saveVideoGrid(bridge, firstOfEach(worldRows), join(OUT, "ddim.png"), ddims.map((scheduler) => `${label(scheduler)}: ${prompts[0]}`));

// %% Flow matching, on a tiny Wan 2.1 (random weights, the real diffusers classes). Wan is a flow
// model: eta 0 is the Euler ODE step, eta > 0 Flow-GRPO's SDE step (0.7 there). Random weights
// draw noise, so only the timing and the mechanics mean anything; the reward is mean brightness.
await using wan = await Model.tiny(bridge, { family: "wan", seed: 0, frames: 5, height: 32, width: 32 });
console.log(`\ntiny ${wan.info.family}: ${wan.info.frames} frames of ${wan.info.width}x${wan.info.height}, its own sampler ${wan.info.defaultScheduler}`);
const flows = [Scheduler.flowMatch({ steps: 4, eta: 0 }), Scheduler.flowMatch({ steps: 10, eta: 0 }), Scheduler.flowMatch({ steps: 10, eta: 0.7 })];
const brightness = Reward.named("brightness");
const wanPrompts = ["a red ball bouncing", "a cat walking"];
console.log(`${"sampler".padEnd(30)} ${"seconds".padStart(8)} ${"brightness".padStart(13)}`);
const wanRows: Tensor<"uint8">[] = [];
for (const scheduler of flows) {
  const started = performance.now();
  const videos = await wan.sample({ prompts: wanPrompts, seed: 7, scheduler });
  const seconds = (performance.now() - started) / 1000;
  wanRows.push(videos);
  console.log(`${label(scheduler).padEnd(30)} ${seconds.toFixed(2).padStart(8)} ${mean(await brightness.score(bridge, videos, wanPrompts)).toFixed(4).padStart(13)}`);
}
await saveVideoGrid(bridge, firstOfEach(wanRows), join(OUT, "flow-match.png"), flows.map((scheduler) => `${label(scheduler)}: ${wanPrompts[0]}`));

// %% DDIM is refused on a flow model (and flow matching on a diffusion model): the bridge checks
// the sampler against the model's noise schedule before it samples.
try {
  await wan.sample({ prompts: wanPrompts.slice(0, 1), scheduler: Scheduler.ddim({ steps: 4 }) });
  console.log("\nDDIM on Wan: sampled (this bridge accepts it)");
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.log(`\nDDIM on Wan is refused: ${error.issues.join("; ")}`);
}
console.log(`grids (a row per sampler, the same prompt and seed): ${join(OUT, "ddim.png")}, ${join(OUT, "flow-match.png")}`);
