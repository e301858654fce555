// `npm run bench:soak`: 500 tiny VADER steps in one bridge, with the Python process's resident
// memory, live handles, open files, threads and Python objects read every 50 steps, saving the
// LoRA and a checkpoint at each reading. Flat figures mean nothing leaks per step. Prints a table;
// asserts nothing.   SOAK_STEPS=500 SOAK_EVERY=50
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bridge, Model, Reward, Scheduler, Trainer } from "../src/index.js";

const STEPS = Number(process.env.SOAK_STEPS ?? 500);
const EVERY = Number(process.env.SOAK_EVERY ?? 50);
const MiB = 2 ** 20;

await using bridge = await Bridge.start({ torchThreads: 1 });
await using model = await Model.tiny(bridge, { frames: 2, height: 8, width: 8 });
const reward = Reward.named("brightness").plus(Reward.named("contrast").times(0.5));
await using trainer = Trainer.vader({ model, reward, scheduler: Scheduler.from({ steps: 4, eta: 1 }), lr: 1e-3, batchSize: 1 });
const runDirectory = join(mkdtempSync(join(tmpdir(), "vader-soak-")), "run");

const rows: string[] = [];
const read = async (step: number, seconds: number) => {
  const stats = await bridge.call("system.stats", {});
  rows.push([step, (stats.rssBytes / MiB).toFixed(1), stats.handles, stats.openFiles, stats.threads, stats.pythonObjects, seconds.toFixed(1)].map(String).map((cell) => cell.padStart(9)).join(" "));
  console.log(rows.at(-1));
};
console.log(`soak: ${STEPS} VADER steps of the tiny model (2 frames, 8x8, 4 DDIM steps), a reading every ${EVERY}, LoRA and checkpoint saved at each`);
console.log(["step", "RSS MiB", "handles", "files", "threads", "objects", "wall s"].map((cell) => cell.padStart(9)).join(" "));
const started = performance.now();
await read(0, 0);
for (let done = 0; done < STEPS; done += EVERY) {
  const { result } = trainer.fit({ prompts: ["a dog", "a cat"], steps: Math.min(EVERY, STEPS - done), runDirectory, saveEvery: EVERY });
  await result;
  await read(done + Math.min(EVERY, STEPS - done), (performance.now() - started) / 1000);
}
