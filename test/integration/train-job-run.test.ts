// `vader train` from a TypeScript program: the SDK's runTrainJob on the tiny job, without the CLI.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Bridge, Run, runTrainJob, TINY_TRAIN_JOB, TrainJobConfig, type TrainJobEvent } from "../../src/index.js";

describe("runTrainJob", () => {
  it("runs the tiny job in 2 steps, reporting events and leaving a run directory", async () => {
    const runDirectory = join(mkdtempSync(join(tmpdir(), "vader-run-job-")), "tiny");
    const events: TrainJobEvent[] = [];

    await using bridge = await Bridge.start();
    const job = TrainJobConfig.parse({ ...TINY_TRAIN_JOB, steps: 2 });
    const end = await runTrainJob(bridge, job, { runDirectory, onEvent: (event) => events.push(event) });

    expect(end).toMatchObject({ type: "done", runDirectory, loraPath: join(runDirectory, "lora", "adapter_model.safetensors"), metrics: join(runDirectory, "metrics.jsonl") });
    expect(events.at(-1)).toBe(end);
    const types = events.map((event) => event.type).filter((type) => type !== "note" && !type.startsWith("work-"));
    expect(types).toEqual(["sample", "training", "step", "step", "fitted", "sample", "reward-change", "done"]);
    expect(events.find((event) => event.type === "note")).toMatchObject({ text: expect.stringMatching(/^model: text-to-video on cpu/) });
    expect(events.filter((event) => event.type === "step").map((event) => event.metrics.step)).toEqual([1, 2]);
    expect(events.find((event) => event.type === "training")).toMatchObject({ steps: 2, totalSteps: 2, method: "vader" });
    const labels = events.flatMap((event) => (event.type === "work-start" ? [event.label] : []));
    expect(labels).toEqual(["loading model", "before samples", "training", "after samples"]);

    const record = await Run.load(bridge, runDirectory);
    expect(record.metrics).toHaveLength(2);
    expect(record.loraDirectory).toBe(join(runDirectory, "lora"));
    expect(Object.keys(record.samples).sort()).toEqual(["after-0", "before-0"]);
    expect(end.type === "done" && existsSync(end.report)).toBe(true);
  });
});
