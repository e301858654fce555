// `vader compare` at its minimum size, end to end on the tiny model: every method on the same
// budget of reward queries, its run directory, results.json that its schema accepts, the table and the plot.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareCommandLine } from "../../src/cli/compare.js";
import { comparisonTable } from "../../src/compare/table.js";
import { COMPARISON_QUERIES_PER_STEP as QUERIES_PER_STEP } from "../../src/specs/trainers/trainer-spec.js";
import { ComparisonResults } from "../../src/specs/comparison-results.js";
import { TRAINING_METHODS } from "../../src/specs/trainers/methods.js";

describe("vader compare --tiny", () => {
  it("runs every method on the same budget and writes runs, results.json, table.md and curves.png", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "vader-compare-")), "comparison");
    const lines: string[] = [];
    // Every method spends QUERIES_PER_STEP (4) queries a step: 2 steps each.
    await compareCommandLine({ tiny: true, budget: 2 * QUERIES_PER_STEP, seeds: 1, lrsPerMethod: 1, out }, (line) => lines.push(line));

    const results = ComparisonResults.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
    expect(results.methods).toEqual([...TRAINING_METHODS]);
    expect(results.runs.map((run) => run.method)).toEqual([...TRAINING_METHODS]);
    expect(results.summary.map((summary) => summary.method)).toEqual([...TRAINING_METHODS]);
    expect(new Set(results.prompts.train).size).toBe(2);
    expect(results.prompts.test.every((prompt) => !results.prompts.train.includes(prompt))).toBe(true);
    for (const run of results.runs) {
      expect(results.sweep[run.method]).toEqual([run.lr]);
      expect(run.rewardQueries).toBe(2 * QUERIES_PER_STEP);
      const queries = run.curve.map((point) => point.rewardQueries);
      expect(queries).toEqual([QUERIES_PER_STEP, 2 * QUERIES_PER_STEP]);
      for (const [index, point] of run.curve.entries()) {
        const previous = run.curve[index - 1];
        if (previous) expect(point.cpuSeconds).toBeGreaterThanOrEqual(previous.cpuSeconds);
      }
      expect(run.final.train.judge).toBeNull(); // the tiny comparison runs without the judge
      expect(run.final.test).not.toBeNull();
      const runDirectory = join(out, run.runDirectory);
      for (const file of ["config.json", "metrics.jsonl", "evaluation.json", "final-train-0.gif", "final-test-0.gif", join("lora", "adapter_model.safetensors")]) {
        expect(existsSync(join(runDirectory, file)), `${run.runDirectory}/${file}`).toBe(true);
      }
      const config = JSON.parse(readFileSync(join(runDirectory, "config.json"), "utf8"));
      expect(config.trainer.adapter).toBe(run.adapter);
      expect(config.model).toMatchObject({ family: "text-to-video" }); // so that vader sample --lora reopens the same base
    }
    expect(new Set(results.runs.map((run) => run.adapter)).size).toBe(TRAINING_METHODS.length);

    expect(readFileSync(join(out, results.files.plot)).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const table = readFileSync(join(out, results.files.table), "utf8");
    expect(table).toContain("| Method | lr | Seeds | Train reward |");
    for (const row of ["Base", "VADER", "DDPO", "Diffusion-DPO", "GRPO"]) expect(table).toMatch(new RegExp(`^\\| ${row} \\|`, "m"));
    expect(lines).toContain(table);

    // Stopped before its last run finished (and before results.json): --resume reads back the
    // finished runs and trains only the missing one, which comes out as it did the first time.
    const grpo = results.runs.find((run) => run.method === "grpo");
    rmSync(join(out, "results.json"));
    rmSync(join(out, grpo?.runDirectory ?? "", "comparison-run.json"));
    const resumedLines: string[] = [];
    await compareCommandLine({ tiny: true, budget: 2 * QUERIES_PER_STEP, seeds: 1, lrsPerMethod: 1, resume: out }, (line) => resumedLines.push(line));
    expect(resumedLines.filter((line) => line.includes("finished earlier")).map((line) => line.split(":")[0])).toEqual(
      results.runs.filter((run) => run.method !== "grpo").map((run) => run.runDirectory.replace("runs/", "")),
    );
    expect(resumedLines.some((line) => line.startsWith(`${grpo?.runDirectory.replace("runs/", "")} step 2/2`))).toBe(true);
    const resumed = ComparisonResults.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
    expect(resumed.runs.slice(0, 3)).toEqual(results.runs.slice(0, 3));
    expect(resumed.runs[3]?.final.train.reward).toBeCloseTo(grpo?.final.train.reward ?? Number.NaN, 6);

    // --plot redraws the table and the curves from results.json alone.
    rmSync(join(out, resumed.files.plot));
    rmSync(join(out, resumed.files.table));
    const [redrawn] = await compareCommandLine({ plot: [out] }, () => undefined);
    expect(redrawn?.summary).toEqual(resumed.summary);
    expect(readFileSync(join(out, resumed.files.table), "utf8")).toBe(comparisonTable(resumed));
    expect(existsSync(join(out, resumed.files.plot))).toBe(true);
  });

  it("--sizes: one comparison per frame size in its own folder, and figure4.png across them", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "vader-compare-sizes-")), "sweep");
    const lines: string[] = [];
    const finished = await compareCommandLine({ tiny: true, methods: "vader,grpo", sizes: "16,24", budget: QUERIES_PER_STEP, seeds: 1, lrsPerMethod: 1, out }, (line) => lines.push(line));
    expect(finished).toHaveLength(2);
    for (const [index, size] of [16, 24].entries()) {
      const results = ComparisonResults.parse(JSON.parse(readFileSync(join(out, `digit-${size}px`, "results.json"), "utf8")));
      expect(results.base.model).toMatchObject({ height: size, width: size });
      expect(results.methods).toEqual(["vader", "grpo"]);
      expect(finished[index]?.base.model).toMatchObject({ width: size });
    }
    expect(readFileSync(join(out, "figure4.png")).subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(lines).toContain(`figure 4 (final reward by frame size): ${join(out, "figure4.png")}`);
  });
});
