// Recipe 1: quick start on the digit world.
// Load the pretrained base, ask the judge how often it draws the digit 5 when asked to, train VADER
// on the `digit` reward for "digit 5" captions, and ask the judge again on the very same seeds.
//
// Run: npx tsx recipes/01-quick-start-digit-world.ts          (about 3 minutes on 2 CPU cores)
//      VADER_RECIPE_SMALL=1 npx tsx recipes/01-quick-start-digit-world.ts   (the CI size: seconds)
// Look at: the two `judge:` lines, and before.png / after.png in recipe-output/01-quick-start/.

// %% Imports. Everything comes from the package's public entry point.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bridge, Model, Reward, Scheduler, Trainer, WORLD_BASE_DIRECTORY, WORLD_TASKS, evaluate, saveVideo, saveVideoGrid, videoAt, type EvaluationReport } from "vader-sdk";

// %% Size. One switch: CI sets VADER_RECIPE_SMALL=1 to run the same cells at a toy size.
const SMALL = process.env.VADER_RECIPE_SMALL === "1";
const size = SMALL
  ? { steps: 2, batchSize: 1, judgedPerPrompt: 1 } // proves the cells run; the numbers mean little
  : { steps: 80, batchSize: 4, judgedPerPrompt: 8 }; // `vader train`'s default job
const OUT = join(process.env.VADER_RECIPE_OUT ?? "recipe-output", "01-quick-start");
mkdirSync(OUT, { recursive: true });

// %% Start the Python bridge. It holds every tensor; TypeScript holds handles and plain numbers.
// On cores shared with other busy processes, `Bridge.start({ torchThreads: 1 })` (or the
// environment variable VADER_TORCH_THREADS=1) avoids torch's thread team stalling.
await using bridge = await Bridge.start();
console.log(`bridge: Python ${bridge.info.python}, torch ${bridge.info.versions.torch} on ${bridge.info.device}`);

// %% Load the digit world's base: a small ModelScope-layout text-to-video model pretrained on
// Moving-MNIST clips, shipped with the package (docs/world.md).
await using model = await Model.load(bridge, WORLD_BASE_DIRECTORY);
console.log(`model: ${model.info.family}, ${model.info.frames} frames of ${model.info.width}x${model.info.height}, on ${model.info.device}`);

// %% The task. The base is weakest on the digit 5 (it often draws a 2 or a 3), so there is room
// to improve; the `digit` reward is the probability of the prompted digit under a classifier.
const prompts = [...WORLD_TASKS.digit.prompts];
const reward = Reward.named("digit");
// VADER's sampler: DDIM with eta 1, 10 steps; classifier-free guidance 3, as the world samples best.
const scheduler = Scheduler.ddim({ steps: 10, eta: 1 });
const guidanceScale = 3;
console.log(`task: reward ${reward} on ${prompts.length} prompts: ${prompts.join(", ")}`);

// %% Judge the base. `evaluate` samples N videos per prompt on fixed seeds and reports the judge
// (a classifier trained apart from the reward) beside the reward's own mean.
const judge = (): Promise<EvaluationReport> => evaluate(model, { prompts, count: size.judgedPerPrompt, seed: 4321, scheduler, guidanceScale, rewards: [reward] });
const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
const before = await judge();
console.log(`base: judge prompted digit ${percent(before.judge.digitAccuracy)}, reward ${before.rewards[reward.toString()]?.toFixed(4)} (${before.judge.samples} samples)`);

// %% Preview videos: one per prompt on a fixed seed, saved now so that the same seed after
// training shows what the LoRA changed.
const preview = { prompts, seed: 1234, scheduler, guidanceScale };
const previewBefore = await model.sample(preview);
await saveVideoGrid(bridge, previewBefore, join(OUT, "before.png"), prompts);
await saveVideo(bridge, videoAt(previewBefore, 0), join(OUT, "before.gif"));

// %% Train. VADER backpropagates the reward's gradient through the last denoising step (K=1)
// into a rank-8 LoRA; the base weights never change. Each step prints the reward it saw.
await using trainer = Trainer.vader({ model, reward, scheduler, guidanceScale, truncation: { mode: "last", k: 1 }, lora: { rank: 8 }, lr: 3e-3, batchSize: size.batchSize, seed: 0 });
for await (const step of trainer.fit({ prompts, steps: size.steps, runDirectory: join(OUT, "run") })) {
  console.log(`step ${step.step}/${size.steps}: reward ${step.reward.mean.toFixed(4)} ± ${step.reward.std.toFixed(4)}  (${step.seconds.toFixed(1)} s)`);
}

// %% Judge again on the same seeds. A reward that rises while the judge does not is being hacked.
const after = await judge();
console.log(`trained: judge prompted digit ${percent(after.judge.digitAccuracy)}, reward ${after.rewards[reward.toString()]?.toFixed(4)} (${after.judge.samples} samples)`);
console.log(`judge: prompted digit ${percent(before.judge.digitAccuracy)} -> ${percent(after.judge.digitAccuracy)}; prompted direction ${percent(before.judge.directionAccuracy)} -> ${percent(after.judge.directionAccuracy)}`);

// %% The same preview seed after training, beside the one before.
const previewAfter = await model.sample(preview);
await saveVideoGrid(bridge, previewAfter, join(OUT, "after.png"), prompts);
await saveVideo(bridge, videoAt(previewAfter, 0), join(OUT, "after.gif"));
console.log(`videos: ${join(OUT, "before.png")} and ${join(OUT, "after.png")} (one row per prompt), before.gif and after.gif beside them`);
console.log(`run directory (metrics.jsonl, lora/): ${join(OUT, "run")}`);
