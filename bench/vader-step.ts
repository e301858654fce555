// `npm run bench`: seconds per VADER step and peak memory for T in {10, 20, 40} with K = 1 and
// K = T, then the cost of driving the same step from TypeScript through the bridge.
// Prints figures; asserts nothing.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Bridge, Model, Reward, Scheduler, Trainer } from "../src/index.js";
import { PACKAGE_ROOT } from "../src/transport/package-root.js";
import { resolvePython } from "../src/transport/python-process.js";

interface DirectResult {
  denoisingSteps: number;
  k: number;
  secondsPerStep: number;
  allSeconds: number[];
  peakRssBytes: number;
  unetParameters: number;
}

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 3);
const OVERHEAD_STEPS = Number(process.env.BENCH_OVERHEAD_STEPS ?? 10);

function runDirect(denoisingSteps: number, k: number, iterations: number, checkpointing = true): DirectResult {
  const result = spawnSync(
    resolvePython(),
    [
      join(PACKAGE_ROOT, "bench", "vader_step.py"),
      ...["--denoising-steps", String(denoisingSteps), "--k", String(k), "--iterations", String(iterations)],
      ...["--checkpointing", checkpointing ? "1" : "0"],
    ],
    { encoding: "utf8", env: { ...process.env, PYTHONPATH: join(PACKAGE_ROOT, "python-bridge") }, maxBuffer: 16 * 2 ** 20 },
  );
  if (result.status !== 0) throw new Error(`bench/vader_step.py failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").pop() as string) as DirectResult;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);

console.log(`VADER step on the tiny text-to-video model (median of ${ITERATIONS} steps after 1 warm-up; one fresh process per row)`);
console.log("T (denoising steps) | K (backprop steps) | UNet checkpointing | s/step | peak RSS GiB");
console.log("--------------------|--------------------|--------------------|--------|-------------");
let unetParameters = 0;
// BENCH_SKIP_SWEEP=1 measures only the bridge cost below.
for (const denoisingSteps of process.env.BENCH_SKIP_SWEEP === "1" ? [] : [10, 20, 40]) {
  // K = T without checkpointing shows what truncation saves; with it, what checkpointing saves.
  for (const [k, checkpointing] of [[1, true], [denoisingSteps, true], [denoisingSteps, false]] as const) {
    const row = runDirect(denoisingSteps, k, ITERATIONS, checkpointing);
    unetParameters = row.unetParameters;
    console.log(
      `${String(denoisingSteps).padEnd(20)}| ${String(k).padEnd(19)}| ${(checkpointing ? "on" : "off").padEnd(19)}| ${row.secondsPerStep.toFixed(3).padEnd(7)}| ${gib(row.peakRssBytes)}`,
    );
  }
}
console.log(`(UNet parameters: ${unetParameters.toLocaleString("en-US")})`);

console.log(`\nBridge cost: T=10, K=1, median over ${OVERHEAD_STEPS} steps after 1 warm-up`);
const direct = runDirect(10, 1, OVERHEAD_STEPS);
const bridge = await Bridge.start();
try {
  const model = await Model.tiny(bridge, { seed: 0 });
  const prompts = (await bridge.call("prompts.builtIn", {})).prompts;
  const trainer = Trainer.vader({ model, reward: Reward.named("brightness"), scheduler: Scheduler.ddim({ steps: 10 }), lr: 1e-2, lora: { rank: 8 } });
  await trainer.fit({ prompts, steps: 1 }).result;
  // Each step in its own fit() call, so every step pays a full round trip through the bridge.
  // Python times trainer.step() itself (metrics.seconds): wall time minus that is the bridge's cost,
  // measured on the very same steps, in the same process.
  const wall: number[] = [];
  const inPython: number[] = [];
  const bridgeCost: number[] = [];
  for (let index = 0; index < OVERHEAD_STEPS; index++) {
    const started = performance.now();
    const { last } = await trainer.fit({ prompts, steps: 1 }).result;
    const seconds = (performance.now() - started) / 1000;
    wall.push(seconds);
    inPython.push(last?.seconds ?? Number.NaN);
    bridgeCost.push(seconds - (last?.seconds ?? Number.NaN));
  }
  const stepInPython = median(inPython);
  console.log(`direct in Python, separate process      ${direct.secondsPerStep.toFixed(4)} s/step`);
  console.log(`driven from TS (wall time per step)     ${median(wall).toFixed(4)} s/step`);
  console.log(`  of which trainer.step() in Python     ${stepInPython.toFixed(4)} s/step`);
  console.log(`  of which the bridge                   ${(median(bridgeCost) * 1000).toFixed(2)} ms/step = ${((median(bridgeCost) / stepInPython) * 100).toFixed(2)} %`);
  console.log(`TS vs separate direct process           ${(((median(wall) - direct.secondsPerStep) / direct.secondsPerStep) * 100).toFixed(2)} % (includes run-to-run noise)`);
} finally {
  await bridge.close();
}
