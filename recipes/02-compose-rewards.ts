// Recipe 2: compose rewards and watch each term.
// A sum hides what moved it: a total that rises can be one term climbing while another is being
// traded away. Compose the digit world's rewards with times(), clamp() and towards(), train VADER on
// the sum, and print every term of every step (`step.rewardTerms`) and of the final samples
// (`reward.scoreTerms`).
//
// Run: npx tsx recipes/02-compose-rewards.ts                  (a few minutes on 2 CPU cores)
//      VADER_RECIPE_SMALL=1 npx tsx recipes/02-compose-rewards.ts   (the CI size)
// Look at: the `terms:` line of each step, and the table of terms before and after at the end.

// %% Imports.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bridge, Model, Reward, Scheduler, Trainer, WORLD_BASE_DIRECTORY, WORLD_TASKS } from "vader-sdk";

// %% Size: CI sets VADER_RECIPE_SMALL=1.
const SMALL = process.env.VADER_RECIPE_SMALL === "1";
const size = SMALL ? { steps: 3, batchSize: 1, scoredPerPrompt: 1 } : { steps: 60, batchSize: 4, scoredPerPrompt: 4 };
const OUT = join(process.env.VADER_RECIPE_OUT ?? "recipe-output", "02-compose-rewards");
mkdirSync(OUT, { recursive: true });

// %% Bridge and the digit world's base model.
await using bridge = await Bridge.start();
await using model = await Model.load(bridge, WORLD_BASE_DIRECTORY);
const prompts = [...WORLD_TASKS.digit.prompts]; // "digit 5 moving left|right|up|down": the base's weakest digit

// %% Compose. Rewards are data: nothing reaches Python until a trainer or a score needs them.
// - `digit` (P(prompted digit)) is what we want more of;
// - `motion` is already about 1 on the base: clamp it at 0.95 so that it guards the direction
//   (it only costs when the motion drops below 0.95) without a gradient to chase;
// - `brightness` towards 0.03 (-|mean luma - 0.03|, about the base's): a classifier is easier to
//   fool with bright blobs than with strokes, so keep the frames as dark as real clips are.
const reward = Reward.named("digit")
  .plus(Reward.named("motion").clamp({ max: 0.95 }).times(0.5))
  .plus(Reward.named("brightness").towards(0.03).times(2));
console.log(`reward: ${reward}`);
for (const term of reward.terms()) console.log(`  term ${term.name}  (weight ${term.weight})`);

// %% Score each term on the base first. `scoreTerms` returns the total and every term's own,
// unweighted value per video: total = sum of weight x term.
const scheduler = Scheduler.ddim({ steps: 10, eta: 1 });
const guidanceScale = 3;
const scored = prompts.flatMap((prompt) => Array.from({ length: size.scoredPerPrompt }, () => prompt));
const sampling = { prompts: scored, seed: 4321, scheduler, guidanceScale };
const mean = (values: Float32Array) => values.reduce((sum, value) => sum + value, 0) / values.length;
const before = await reward.scoreTerms(bridge, await model.sample(sampling), scored);

// %% Train VADER on the sum. The motion term scores whole clips, so the trainer decodes every
// frame. Each step reports the total and, in `rewardTerms`, each named reward's own raw mean
// (brightness itself, not its distance to the target; motion before its clamp).
await using trainer = Trainer.vader({ model, reward, scheduler, guidanceScale, truncation: { mode: "last", k: 1 }, lr: 3e-3, batchSize: size.batchSize, seed: 0 });
for await (const step of trainer.fit({ prompts, steps: size.steps, runDirectory: join(OUT, "run") })) {
  const terms = Object.entries(step.rewardTerms).map(([name, term]) => `${name} ${term.mean.toFixed(4)}`);
  console.log(`step ${step.step}/${size.steps}: total ${step.reward.mean.toFixed(4)}  terms: ${terms.join(", ")}`);
}

// %% The same seeds after training, term by term. Ask of each row: did it move the way its
// shaping says it should (digit up, motion held at its clamp, brightness near its target)?
const after = await reward.scoreTerms(bridge, await model.sample(sampling), scored);
console.log(`\n${"term".padEnd(34)} ${"weight".padStart(6)} ${"before".padStart(8)} ${"after".padStart(8)}`);
before.terms.forEach((term, index) => {
  console.log(`${term.name.padEnd(34)} ${String(term.weight).padStart(6)} ${mean(term.values).toFixed(4).padStart(8)} ${mean(after.terms[index]?.values ?? new Float32Array()).toFixed(4).padStart(8)}`);
});
console.log(`${"total".padEnd(34)} ${"".padStart(6)} ${mean(before.total).toFixed(4).padStart(8)} ${mean(after.total).toFixed(4).padStart(8)}`);
console.log(`metrics.jsonl with every term per step: ${join(OUT, "run", "metrics.jsonl")}`);
