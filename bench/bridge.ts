// `npm run bench:bridge`: our bridge against pythonia (what a Node user would otherwise pick)
// and Buffer.copy (the physical floor), side by side on this machine. Prints figures only.
import { join } from "node:path";
import { python } from "pythonia";
import { Bridge, Tensor } from "../src/index.js";
import { PACKAGE_ROOT } from "../src/transport/package-root.js";

const TRIVIAL_CALLS = Number(process.env.BENCH_TRIVIAL_CALLS ?? 2000);
const LARGE_REPEATS = Number(process.env.BENCH_LARGE_REPEATS ?? 10);
const PYTHONIA_256_REPEATS = Number(process.env.BENCH_PYTHONIA_256_REPEATS ?? 3);
const MiB = 2 ** 20;

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
}

async function timeEach(count: number, run: () => Promise<unknown>): Promise<number[]> {
  const milliseconds: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await run();
    milliseconds.push(performance.now() - started);
  }
  return milliseconds;
}

async function timeOnce(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function floatTensor(bytes: number): Tensor<"float32"> {
  const data = new Float32Array(bytes / 4);
  for (let index = 0; index < data.length; index += 1024) data[index] = index;
  return new Tensor("float32", [data.length], data);
}

const rows: [string, string, string, string][] = [];
const report = (what: string, ours: string, pythonia: string, floor: string) => rows.push([what, ours, pythonia, floor]);
const us = (ms: number) => `${(ms * 1000).toFixed(0)} us`;
const ms = (value: number) => `${value.toFixed(2)} ms`;

const bridge = await Bridge.start();
const pythoniaEcho = await python(join(PACKAGE_ROOT, "bench", "pythonia_echo.py"));
try {
  // Warm both paths (JIT, allocators, Python imports).
  await timeEach(200, () => bridge.call("system.echo", { value: 1 }));
  await timeEach(200, () => pythoniaEcho.echo(1));

  const oursTrivial = await timeEach(TRIVIAL_CALLS, () => bridge.call("system.echo", { value: 1 }));
  const pythoniaTrivial = await timeEach(TRIVIAL_CALLS, () => pythoniaEcho.echo(1));
  report(`trivial call p50 (${TRIVIAL_CALLS} calls)`, us(percentile(oursTrivial, 0.5)), us(percentile(pythoniaTrivial, 0.5)), "-");
  report(`trivial call p99 (${TRIVIAL_CALLS} calls)`, us(percentile(oursTrivial, 0.99)), us(percentile(pythoniaTrivial, 0.99)), "-");

  const ratios: string[] = [];
  for (const size of [16 * MiB, 256 * MiB]) {
    const tensor = floatTensor(size);
    const oursLarge = await timeEach(LARGE_REPEATS, async () => {
      const { value } = await bridge.call("system.echo", { value: tensor });
      if ((value as Tensor).byteLength !== size) throw new Error("echo lost bytes");
    });
    // pythonia at its best: one base64 string there and back (it has no binary path).
    const base64 = tensor.bytes().toString("base64");
    const pythoniaRepeats = size > 16 * MiB ? PYTHONIA_256_REPEATS : LARGE_REPEATS;
    const pythoniaLarge = await timeEach(pythoniaRepeats, async () => {
      const back = (await pythoniaEcho.echo(base64)) as string;
      if (back.length !== base64.length) throw new Error("pythonia lost bytes");
    });
    // The floor: a round trip moves the bytes at least twice.
    const target = Buffer.allocUnsafe(size);
    const source = tensor.bytes();
    const copies = await timeEach(LARGE_REPEATS, async () => {
      source.copy(target);
      target.copy(source);
    });
    const oursMedian = percentile(oursLarge, 0.5);
    const pythoniaMedian = percentile(pythoniaLarge, 0.5);
    const floorMedian = percentile(copies, 0.5);
    report(
      `${size / MiB} MiB float32 round trip (median)`,
      ms(oursMedian),
      `${ms(pythoniaMedian)}${pythoniaRepeats !== LARGE_REPEATS ? ` (of ${pythoniaRepeats})` : ""}`,
      ms(floorMedian),
    );
    ratios.push(`${size / MiB} MiB: ${(pythoniaMedian / oursMedian).toFixed(1)}x faster than pythonia, ${(oursMedian / floorMedian).toFixed(1)}x the 2-copy floor`);
  }

  const oursConcurrent = await timeOnce(() => Promise.all(Array.from({ length: 1000 }, (_, index) => bridge.call("system.echo", { value: index }))));
  const pythoniaConcurrent = await timeOnce(() => Promise.all(Array.from({ length: 1000 }, (_, index) => pythoniaEcho.echo(index))));
  report("1,000 concurrent small calls (total)", ms(oursConcurrent), ms(pythoniaConcurrent), "-");

  const widths = [0, 1, 2, 3].map((column) => Math.max(...[["what", "vader bridge", "pythonia", "Buffer.copy x2"], ...rows].map((row) => (row[column] as string).length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] as number)).join(" | ");
  console.log(line(["what", "vader bridge", "pythonia", "Buffer.copy x2"]));
  console.log(widths.map((width) => "-".repeat(width)).join("-|-"));
  for (const row of rows) console.log(line(row));
  console.log(`\n${ratios.join("\n")}`);
  console.log("targets: trivial p50 <= 150 us; 16 MiB >= 20x faster than pythonia and <= 20x the floor");
} finally {
  python.exit();
  await bridge.close();
}
