// Recipe 4: VADER against the baselines.
// VADER backpropagates the reward; DDPO, GRPO and Diffusion-DPO only query it. Put all four on the
// same base, reward, prompts, seed and budget of reward queries (videos scored), and compare the
// final samples by the reward and by the judge. `compare()` is what `vader compare` runs: each
// method trains its own LoRA adapter on one loaded base, then everything samples the same seeds.
//
// Run: npx tsx recipes/04-vader-vs-baselines.ts               (several minutes on 2 CPU cores)
//      VADER_RECIPE_SMALL=1 npx tsx recipes/04-vader-vs-baselines.ts   (the CI size)
// Look at: the table at the end (reward beside judge, per method), and report.html, table.md and
// curves.png in recipe-output/04-vader-vs-baselines/.

// %% Imports.
import { join } from "node:path";
import { Bridge, Model, Reward, TRAINERS, WORLD_BASE_DIRECTORY, WORLD_SAMPLING, WORLD_TASKS, compare, worldPrompts, type TrainingMethod } from "vader-sdk";

// %% Size: CI sets VADER_RECIPE_SMALL=1. The budget is counted in reward queries, the paper's
// x axis: each method takes as many whole steps as fit in it.
const SMALL = process.env.VADER_RECIPE_SMALL === "1";
const size = SMALL
  ? { budget: 4, samplerSteps: 4, finalSamplesPerPrompt: 1, perStep: 2 } // two steps of each method
  : { budget: 64, samplerSteps: 10, finalSamplesPerPrompt: 4, perStep: 4 }; // sixteen steps of each
const OUT = join(process.env.VADER_RECIPE_OUT ?? "recipe-output", "04-vader-vs-baselines");

// %% Bridge, the digit world's base, and the `digit` task: captions of the digit 5, where the
// base is weak. Train on the world's train captions of it; the test split's one is unseen.
await using bridge = await Bridge.start();
await using model = await Model.load(bridge, WORLD_BASE_DIRECTORY);
const reward = Reward.named("digit");
const task: readonly string[] = WORLD_TASKS.digit.prompts;
const trainPrompts = (await worldPrompts(bridge, "train")).filter((prompt) => task.includes(prompt));
const testPrompts = (await worldPrompts(bridge, "test")).filter((prompt) => task.includes(prompt));
console.log(`train prompts: ${trainPrompts.join(", ")}; unseen test prompts: ${testPrompts.join(", ")}`);

// %% What every method shares: the sampler (DDIM, eta 1: the baselines need a stochastic chain
// for their log-probabilities), guidance, LoRA and seed. Each then gets its own batch shape, sized
// so that one step spends `perStep` reward queries, and its own learning rate (VADER's from the
// world's task, the baselines' their papers' defaults; `lrsPerMethod` > 1 sweeps them).
const shared = { scheduler: { steps: size.samplerSteps, eta: 1 }, guidanceScale: WORLD_SAMPLING.guidanceScale, lora: { rank: 8 }, seed: 0 };
const trainer = {
  vader: { ...shared, truncation: { mode: "last", k: 1 }, lr: 3e-3, batchSize: size.perStep },
  ddpo: { ...shared, batchSize: size.perStep / 2, batchesPerStep: 2 },
  dpo: { ...shared, promptsPerStep: size.perStep / 2, samplesPerPrompt: 2 },
  grpo: { ...shared, promptsPerStep: 1, groupSize: size.perStep },
};

// %% Run the comparison. It prints a line per step and per finished run, and writes results.json,
// table.md, curves.png, report.html and every run's directory into OUT.
const methods: TrainingMethod[] = ["vader", "ddpo", "grpo", "dpo"];
const results = await compare(model, reward, {
  out: OUT,
  methods,
  budget: size.budget,
  seeds: [0],
  lrsPerMethod: 1,
  trainer,
  trainPrompts,
  testPrompts,
  evaluation: { samplesPerPrompt: size.finalSamplesPerPrompt, scheduler: { ...WORLD_SAMPLING.scheduler, steps: SMALL ? 4 : 20 }, guidanceScale: WORLD_SAMPLING.guidanceScale, judge: true },
  onProgress: (line) => console.log(line),
});

// %% The table: the base and each method's final samples on the train prompts, reward beside
// judge. A method is ahead only where both rise; a reward that rises while the judge falls is hacked.
const percent = (value: number | undefined) => (value === undefined ? "–" : `${(value * 100).toFixed(1)}%`);
console.log(`\n${"method".padEnd(14)} ${"lr".padStart(8)} ${"queries".padStart(8)} ${"CPU s".padStart(7)} ${"reward".padStart(8)} ${"judge: digit".padStart(13)} ${"test reward".padStart(12)}`);
const base = results.baseScores;
console.log(`${"base".padEnd(14)} ${"".padStart(8)} ${"0".padStart(8)} ${"".padStart(7)} ${base.train.reward.toFixed(4).padStart(8)} ${percent(base.train.judge?.digitAccuracy).padStart(13)} ${(base.test?.reward.toFixed(4) ?? "–").padStart(12)}`);
for (const method of results.summary) {
  const { train, test } = method.final;
  console.log(
    `${TRAINERS[method.method].label.padEnd(14)} ${method.lr.toExponential(0).padStart(8)} ${String(method.rewardQueries).padStart(8)} ${method.cpuSeconds.toFixed(0).padStart(7)} ${train.reward.toFixed(4).padStart(8)} ${percent(train.judge?.digitAccuracy).padStart(13)} ${(test?.reward.toFixed(4) ?? "–").padStart(12)}${method.judgeFalls.length > 0 ? "  judge fell" : ""}`,
  );
}
console.log(`\nreport: ${join(OUT, "report.html")}  (table.md, curves.png and runs/ beside it)`);
