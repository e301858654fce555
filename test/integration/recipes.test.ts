// Every recipe in recipes/ runs at its smallest size (VADER_RECIPE_SMALL=1), as a reader would run
// it (`node --import tsx recipes/NN-name.ts`) from another folder, and prints the lines it tells the
// reader to look at. The recipes import "vader-sdk", which resolves to this package's dist/.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// `--import tsx` resolves from the working directory, which is a temporary folder here: name the loader by URL.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const TIMEOUT_MS = 180_000;

interface RecipeRun {
  code: number | null;
  output: string;
  out: string;
}

/** Runs recipes/<name>.ts in a fresh temporary folder at the CI size; resolves with its exit code and output. */
function runRecipe(name: string): Promise<RecipeRun> {
  const cwd = mkdtempSync(join(tmpdir(), `vader-recipe-${name.slice(0, 2)}-`));
  const out = join(cwd, "tmp");
  const child = spawn(process.execPath, ["--import", TSX, join(ROOT, "recipes", `${name}.ts`)], {
    cwd,
    // One torch thread: on cores shared with other busy processes the default thread team stalls for 10x.
    env: { ...process.env, VADER_RECIPE_SMALL: "1", VADER_RECIPE_OUT: out, VADER_TORCH_THREADS: process.env.VADER_TORCH_THREADS ?? "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output, out }));
  });
}

/** Runs a recipe and checks that it exited 0 (showing its output when it did not). */
async function passingRecipe(name: string): Promise<RecipeRun> {
  const run = await runRecipe(name);
  expect(run.code, `${name} exited ${run.code}:\n${run.output}`).toBe(0);
  return run;
}

describe("recipes", () => {
  beforeAll(() => {
    // The recipes import "vader-sdk" (this package, through the devDependency "file:."), whose entry point is dist/.
    if (!existsSync(join(ROOT, "dist", "index.js"))) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  }, TIMEOUT_MS);

  it(
    "01: quick start judges the digit world's base, trains VADER and judges again on the same seeds",
    async () => {
      const { output, out } = await passingRecipe("01-quick-start-digit-world");
      expect(output).toMatch(/^base: judge prompted digit \d+%, reward [\d.]+ \(4 samples\)$/m);
      expect(output).toMatch(/^step 2\/2: reward [\d.]+/m);
      expect(output).toMatch(/^judge: prompted digit \d+% -> \d+%; prompted direction \d+% -> \d+%$/m);
      for (const file of ["before.png", "after.png", "before.gif", "after.gif", "run/metrics.jsonl"]) expect(existsSync(join(out, "01-quick-start", file)), file).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    "02: a composed reward logs every term per step and scores each term before and after",
    async () => {
      const { output } = await passingRecipe("02-compose-rewards");
      expect(output).toContain("reward: digit + 0.5 * clip(motion, -inf, 0.95) + 2 * -|brightness - 0.03|");
      expect(output).toMatch(/^step 3\/3: total -?[\d.]+ {2}terms: digit [\d.]+, motion [\d.]+, brightness [\d.]+$/m);
      for (const term of ["digit", "clip\\(motion, -inf, 0\\.95\\)", "-\\|brightness - 0\\.03\\|", "total"]) expect(output).toMatch(new RegExp(`^${term} +[\\d. ]*-?[\\d.]+ +-?[\\d.]+$`, "m"));
    },
    TIMEOUT_MS,
  );

  it(
    "03: samplers side by side: DDIM on the world with the judge, flow matching on a tiny Wan",
    async () => {
      const { output, out } = await passingRecipe("03-compare-samplers");
      expect(output).toMatch(/^ddim 20 steps, eta 0 +[\d.]+ +[\d.]+ +[\d.]+% +[\d.]+%$/m);
      expect(output).toMatch(/^ddim 10 steps, eta 1 +[\d.]+ +[\d.]+ +[\d.]+% +[\d.]+%$/m);
      expect(output).toMatch(/^flow-match 10 steps, eta 0\.7 +[\d.]+ +[\d.]+$/m);
      expect(output).toMatch(/^DDIM on Wan is refused: .*flow-match/m);
      for (const file of ["ddim.png", "flow-match.png"]) expect(existsSync(join(out, "03-compare-samplers", file)), file).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    "04: VADER, DDPO, GRPO and Diffusion-DPO on one budget of reward queries, in a table",
    async () => {
      const { output, out } = await passingRecipe("04-vader-vs-baselines");
      expect(output).toMatch(/^base +0 +[\d.]+ +[\d.]+% +[\d.]+$/m);
      for (const label of ["VADER", "DDPO", "GRPO", "Diffusion-DPO"]) expect(output).toMatch(new RegExp(`^${label} +\\de-\\d +4 +\\d+ +[\\d.]+ +[\\d.]+% +[\\d.]+`, "m"));
      const results = JSON.parse(readFileSync(join(out, "04-vader-vs-baselines", "results.json"), "utf8")) as { budget: number; methods: string[] };
      expect(results.budget).toBe(4);
      expect(results.methods).toEqual(["vader", "ddpo", "grpo", "dpo"]);
    },
    TIMEOUT_MS,
  );

  it(
    "05: a run stopped by an AbortSignal resumes in a fresh trainer and its steps continue from the checkpoint",
    async () => {
      const { output } = await passingRecipe("05-resume-a-run");
      const stopped = Number(/^stopped after step (\d+) of 5/m.exec(output)?.[1]);
      const resumed = Number(/^resumed from step (\d+)$/m.exec(output)?.[1]);
      expect(stopped).toBeGreaterThanOrEqual(2);
      expect(resumed).toBe(stopped);
      const afterResume = output.slice(output.indexOf("resumed from step"));
      expect(afterResume).toMatch(new RegExp(`^step ${resumed + 1}/5: reward [\\d.]+, ${resumed + 1} reward queries so far$`, "m"));
      expect(output).toMatch(/^metrics\.jsonl: steps 1, 2, 3, 4, 5$/m);
    },
    TIMEOUT_MS,
  );

  it(
    "06: the escape hatch counts the denoiser's LoRA parameters and runs torch ops",
    async () => {
      const { output } = await passingRecipe("06-python-escape-hatch");
      expect(output).toMatch(/^LoRA parameters: (\d+) of \d+ in the denoiser \(trainable: \1; model\.info says \1 trainable\)$/m);
      expect(output).toMatch(/^per-frame brightness:( [\d.]+){8}$/m);
      expect(output).toMatch(/^PythonError: RuntimeError: shape '\[7\]' is invalid/m);
    },
    TIMEOUT_MS,
  );
});
