// `vader train --json --tensorboard DIR` as a user runs it: every stdout line is a JSON event, and
// DIR holds TensorBoard events whose scalars are the run's metrics.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";
import { resolvePython } from "../../src/transport/python-process.js";

const run = promisify(execFile);

describe("vader train --json --tensorboard", () => {
  it("prints only JSON events on stdout and leaves TensorBoard events of every step and both samples", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "vader-json-"));
    const board = join(runsDir, "board");
    const main = join(PACKAGE_ROOT, "src", "cli", "main.ts");
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", main, "train", "--tiny", "--steps", "2", "--json", "--runs-dir", runsDir, "--name", "json", "--tensorboard", board], {
      cwd: PACKAGE_ROOT,
      maxBuffer: 16 * 2 ** 20,
    });
    const events = stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as { event: string } & Record<string, unknown>);
    const runDirectory = join(runsDir, "json");
    expect(events.map((event) => event.event)).toEqual(["run-directory", "sample", "step", "step", "sample", "done"]);
    expect(events[0]).toEqual({ event: "run-directory", path: runDirectory, resuming: false });
    const steps = events.filter((event) => event.event === "step");
    const metrics = readFileSync(join(runDirectory, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(steps).toEqual(metrics.map((step) => ({ event: "step", ...step, totalSteps: 2 })));
    expect(events.at(-1)).toMatchObject({ event: "done", runDirectory, loraPath: join(runDirectory, "lora", "adapter_model.safetensors"), tensorboard: board });
    // The notes people read went to stderr, in the plain format.
    expect(stderr).toContain("training: 2 steps of VADER");

    expect(readdirSync(board).some((name) => name.startsWith("events.out.tfevents."))).toBe(true);
    const read = await run(resolvePython(), ["-c", "import json, sys; from vader_bridge.tensorboard_log import read_scalars; print(json.dumps(read_scalars(sys.argv[1])))", board], {
      cwd: join(PACKAGE_ROOT, "python-bridge"),
    });
    const scalars = JSON.parse(read.stdout) as Record<string, [number, number][]>;
    expect(scalars["reward/mean"]?.map(([step]) => step)).toEqual([1, 2]);
    scalars["reward/mean"]?.forEach(([, value], index) => expect(value).toBeCloseTo(metrics[index].reward.mean, 5));
    scalars["train/loss"]?.forEach(([, value], index) => expect(value).toBeCloseTo(metrics[index].loss, 5));
    expect(Object.keys(scalars)).toEqual(expect.arrayContaining(["reward/std", "reward/brightness/mean", "train/grad_norm", "train/lr", "train/seconds"]));
    const images = await run(
      resolvePython(),
      ["-c", "import glob, sys; from vader_bridge.tensorboard_log import read_events; print(sorted(v.tag for p in glob.glob(sys.argv[1] + '/events*') for e in read_events(p) for v in e.summary.value if v.HasField('image')))", board],
      { cwd: join(PACKAGE_ROOT, "python-bridge") },
    );
    expect(images.stdout.trim()).toBe("['samples/after-0', 'samples/before-0']");
  });
});
