// Recipe 5: stop a run and resume it.
// A fit with a run directory writes metrics.jsonl, the LoRA and a full checkpoint (LoRA, optimizer,
// random states) every `saveEvery` steps and whenever it stops. Stop one from code with an
// AbortSignal, then build a fresh model and trainer, `resume` from the run directory, and carry on:
// the metrics continue from the checkpoint's step, as `vader train --resume` does.
//
// Run: npx tsx recipes/05-resume-a-run.ts                     (a couple of minutes on 2 CPU cores)
//      VADER_RECIPE_SMALL=1 npx tsx recipes/05-resume-a-run.ts   (the CI size)
// Look at: "stopped after step", "resumed from step", and the step numbers after it.

// %% Imports.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { AbortError, Bridge, Model, Reward, Run, Scheduler, Trainer, WORLD_BASE_DIRECTORY, WORLD_TASKS, type VaderTrainerOptions } from "vader-sdk";

// %% Size: CI sets VADER_RECIPE_SMALL=1.
const SMALL = process.env.VADER_RECIPE_SMALL === "1";
const size = SMALL ? { steps: 5, stopAfter: 2, saveEvery: 1, batchSize: 1 } : { steps: 30, stopAfter: 12, saveEvery: 5, batchSize: 4 };
const runDirectory = join(process.env.VADER_RECIPE_OUT ?? "recipe-output", "05-resume-a-run", "run");
rmSync(runDirectory, { recursive: true, force: true }); // a fresh run each time this recipe runs

// %% Bridge and the job. A resumed trainer must be built from the same job as the run it continues
// (model, reward, config), so the job is written once and used twice.
await using bridge = await Bridge.start();
const prompts = [...WORLD_TASKS.digit.prompts];
const job = (model: Model): VaderTrainerOptions => ({
  model,
  reward: Reward.named("digit"),
  scheduler: Scheduler.ddim({ steps: 10, eta: 1 }),
  guidanceScale: 3,
  truncation: { mode: "last", k: 1 },
  lr: 3e-3,
  batchSize: size.batchSize,
  seed: 0,
});
const line = (step: { step: number; reward: { mean: number }; rewardQueries: number }) => `step ${step.step}/${size.steps}: reward ${step.reward.mean.toFixed(4)}, ${step.rewardQueries} reward queries so far`;

// %% The first fit. Abort the signal once step `stopAfter` has been reported. Python has usually
// begun the next step by then: it finishes it, stops at that step boundary, saves the step's
// metrics, LoRA and checkpoint, and the run rejects with AbortError.
{
  await using model = await Model.load(bridge, WORLD_BASE_DIRECTORY);
  await using trainer = Trainer.vader(job(model));
  const stop = new AbortController();
  try {
    for await (const step of trainer.fit({ prompts, steps: size.steps, runDirectory, saveEvery: size.saveEvery, signal: stop.signal })) {
      console.log(line(step));
      if (step.step === size.stopAfter) stop.abort();
    }
    console.log("the fit finished before the signal stopped it");
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    const saved = await Run.load(bridge, runDirectory);
    console.log(`stopped after step ${saved.metrics.length} of ${size.steps} (${error.message.split("\n")[0]})`);
  }
} // the first model and trainer are disposed here, as if the process had gone

// %% A fresh model and trainer from the same job. `resume` loads the newest good checkpoint of the
// run directory (damaged or partial ones are skipped and named in `warnings`).
await using model = await Model.load(bridge, WORLD_BASE_DIRECTORY);
await using trainer = Trainer.vader(job(model));
const { step: resumedAt, warnings } = await trainer.resume(runDirectory);
for (const warning of warnings) console.log(`warning: ${warning}`);
console.log(`resumed from step ${resumedAt}`);

// %% Carry on for the remaining steps into the same run directory. Step numbers (and the count
// of reward queries) continue from the checkpoint; on the CPU the numbers are the ones an
// uninterrupted run would have printed.
for await (const step of trainer.fit({ prompts, steps: size.steps - resumedAt, runDirectory, saveEvery: size.saveEvery })) {
  console.log(line(step));
}

// %% The run directory now holds one metrics record per step, with no gap and no repeat.
const record = await Run.load(bridge, runDirectory);
console.log(`metrics.jsonl: steps ${record.metrics.map((metrics) => metrics.step).join(", ")}`);
console.log(`LoRA: ${record.loraDirectory}`);
