// `npm run bench:memory`: seconds per VADER step and peak memory on each family's tiny model, for
// T in {10, 25, 50} denoising steps with K = 1 and with full backprop (K = T), the denoiser's
// checkpointing on and off, and the reward reading one frame (one latent frame decoded) or all.
// One fresh process per row (peak memory only grows). Prints figures; asserts nothing.
// "step MiB" is the peak minus what the process held before the first step (model, libraries).
//   BENCH_FAMILIES=wan,cogvideox  BENCH_STEPS=10,25  BENCH_ITERATIONS=2  BENCH_DEVICE=cuda
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../src/transport/package-root.js";
import { resolvePython } from "../src/transport/python-process.js";

interface Row {
  family: string;
  device: string;
  denoisingSteps: number;
  k: number;
  checkpointing: boolean;
  decode: "one" | "all";
  secondsPerStep: number;
  peakMemoryBytes: number;
  residentBytes: number;
  unetParameters: number;
}

// Sizes where a step's activations stand out from the process's own memory, in a few seconds a step on 2 cores.
const FAMILY_OPTIONS: Record<string, object> = {
  "text-to-video": { frames: 8, height: 32, width: 32 },
  wan: { frames: 33, height: 64, width: 64 },
  cogvideox: { frames: 33, height: 64, width: 64 },
  animatediff: { frames: 4, height: 32, width: 32 },
};
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(",").map((value) => value.trim()).filter(Boolean);
const FAMILIES = list("BENCH_FAMILIES", Object.keys(FAMILY_OPTIONS).join(","));
const STEPS = list("BENCH_STEPS", "10,25,50").map(Number);
const ITERATIONS = process.env.BENCH_ITERATIONS ?? "2";
const DEVICE = process.env.BENCH_DEVICE ?? "auto";

function measure(family: string, options: object, denoisingSteps: number, k: number, checkpointing: boolean, decode: "one" | "all"): Row {
  const result = spawnSync(
    resolvePython(),
    [
      join(PACKAGE_ROOT, "bench", "vader_step.py"),
      ...["--family", family, "--options", JSON.stringify(options), "--device", DEVICE, "--decode", decode],
      ...["--denoising-steps", String(denoisingSteps), "--k", String(k), "--checkpointing", checkpointing ? "1" : "0", "--iterations", ITERATIONS],
    ],
    { encoding: "utf8", env: { ...process.env, PYTHONPATH: join(PACKAGE_ROOT, "python-bridge") }, maxBuffer: 16 * 2 ** 20 },
  );
  if (result.status !== 0) throw new Error(`bench/vader_step.py failed for ${family}:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").pop() as string) as Row;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const print = (row: Row) =>
  console.log(
    `| ${row.family.padEnd(13)} | ${String(row.denoisingSteps).padStart(3)} | ${String(row.k).padStart(3)} | ${(row.checkpointing ? "on" : "off").padEnd(4)} | ${row.decode.padEnd(6)} | ${row.secondsPerStep.toFixed(2).padStart(7)} | ${mib(row.peakMemoryBytes).padStart(8)} | ${mib(row.peakMemoryBytes - row.residentBytes).padStart(8)} |`,
  );

console.log(`VADER step, median of ${ITERATIONS} after 1 warm-up, batch 1, guidance 1, LoRA rank 8, brightness reward, device ${DEVICE}`);
console.log("| family        |   T |   K | ckpt | decode |  s/step | peak MiB | step MiB |");
console.log("|---------------|-----|-----|------|--------|---------|----------|----------|");
for (const family of FAMILIES) {
  const options = FAMILY_OPTIONS[family];
  if (!options) throw new Error(`unknown family ${family}; known: ${Object.keys(FAMILY_OPTIONS).join(", ")}`);
  let parameters = 0;
  for (const steps of STEPS) {
    for (const [k, checkpointing] of [[1, true], [1, false], [steps, true], [steps, false]] as const) {
      const row = measure(family, options, steps, k, checkpointing, "one");
      parameters = row.unetParameters;
      print(row);
    }
  }
  print(measure(family, options, STEPS[0] ?? 10, 1, true, "all"));
  console.log(`| (${family}: ${parameters.toLocaleString("en-US")} denoiser parameters) |`);
}
