// `vader compare`: VADER, DDPO, Diffusion-DPO and GRPO from the same base on the same reward and
// budget of reward queries; writes results.json, table.md, curves.png and every run directory.
import { writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { Bridge } from "../bridge.js";
import { compare, runStepLine } from "../compare/compare.js";
import { plotComparison, plotFinalBySize, type SizedComparison } from "../compare/plot.js";
import { writeComparisonReport } from "../report/write-report.js";
import { loadComparisonResults } from "../compare/saved-results.js";
import { comparisonTable } from "../compare/table.js";
import { AbortError, ConfigError } from "../errors.js";
import { Reward } from "../reward/reward.js";
import type { CompareConfigInput } from "../specs/compare-config.js";
import type { ComparisonResults } from "../specs/comparison-results.js";
import type { StepMetrics } from "../specs/metrics.js";
import { TRAINING_METHODS, TrainingMethodName, type TrainingMethod } from "../specs/trainers/methods.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { stopOnCtrlC } from "./ctrl-c.js";
import { existingFolder, MODEL_FOLDER, readJsonFile, writableFolder } from "./inputs.js";
import { openJobModel } from "../world/job-model.js";
import { CAPTION_SETS, mergeCompareJob, worldCompareJob, type CaptionSet, type CompareJob } from "../compare/compare-job.js";
import { createOutput, outputOf, withOutputFlags, withSpinner, type Output, type Printer, type Progress } from "./output.js";
import { WORLD_TASKS, type WorldTask } from "../world/train-job.js";

export interface CompareArguments {
  /** One digit-world task, or several comma-separated (each into its own subfolder, plus figure7.png). */
  reward?: string;
  /** Generated frame sizes in pixels, comma-separated (each into its own subfolder, plus figure4.png). */
  sizes?: string;
  methods?: string;
  budget?: number;
  seeds?: number;
  lrsPerMethod?: number;
  out?: string;
  config?: string;
  model?: string;
  tiny?: boolean;
  evalSamples?: number;
  /** Which captions of the world's splits to train and judge on: all of them, or only the task's own (where the base is weak). */
  captions?: string;
  /** Continue the comparison in this folder: finished runs are read back, the one in progress starts over. */
  resume?: string;
  /** Comparison folders to redraw from their results.json (table.md, curves.png; figure7.png across several into --out), training nothing. */
  plot?: string[];
  /** Folder for TensorBoard logs: each run in <folder>/<run name> (with several comparisons, <folder>/<comparison>/<run name>). */
  tensorboard?: string;
  json?: boolean;
  quiet?: boolean;
}

function parseCaptions(text: string | undefined): CaptionSet {
  if (text === undefined) return "all";
  if (!(CAPTION_SETS as readonly string[]).includes(text)) throw new ConfigError("--captions", [`"${text}" is not a caption set; choose all (every world caption) or task (the task's own captions, where the base is weak)`]);
  return text as CaptionSet;
}

/**
 * The world task (or the tiny smoke test) as a comparison, then --config's fields, then flags. On
 * the world, VADER keeps the task's own trainer settings; the baselines its sampler, guidance, LoRA and seed.
 */
export async function resolveCompareJob(argv: Omit<CompareArguments, "reward" | "sizes"> & { reward?: WorldTask; size?: number }, bridge: BridgeClient): Promise<CompareJob> {
  const fromFile = (argv.config ? readJsonFile("--config", argv.config, "a JSON file of comparison fields") : {}) as Partial<CompareConfigInput>;
  const methods = argv.methods !== undefined ? argv.methods.split(",").map((name) => name.trim()).filter(Boolean) : (fromFile.methods ?? [...TRAINING_METHODS]);
  if (argv.seeds !== undefined && (!Number.isInteger(argv.seeds) || argv.seeds < 1)) {
    throw new ConfigError("--seeds", [`must be a whole number of seeds, 1 or more (got ${argv.seeds}); the runs use seeds 0..N-1`]);
  }
  for (const name of methods) {
    if (!TrainingMethodName.safeParse(name).success) throw new ConfigError("--methods", [`"${name}" is not a method; choose from ${TRAINING_METHODS.join(", ")}`]);
  }
  const size = argv.size !== undefined ? { size: argv.size } : {};
  const job = argv.tiny
    ? await worldCompareJob(bridge, { tiny: true, ...size })
    : await worldCompareJob(bridge, {
        ...(argv.reward !== undefined ? { task: argv.reward } : {}),
        captions: parseCaptions(argv.captions),
        ...(argv.model !== undefined ? { directory: existingFolder("--model", argv.model, MODEL_FOLDER) } : {}),
        ...size,
      });
  return mergeCompareJob(job, {
    ...fromFile,
    methods: methods as TrainingMethod[],
    evaluation: { ...fromFile.evaluation, ...(argv.evalSamples !== undefined ? { samplesPerPrompt: argv.evalSamples } : {}) },
    ...(argv.budget !== undefined ? { budget: argv.budget } : {}),
    ...(argv.seeds !== undefined ? { seeds: Array.from({ length: argv.seeds }, (_, seed) => seed) } : {}),
    ...(argv.lrsPerMethod !== undefined ? { lrsPerMethod: argv.lrsPerMethod } : {}),
  });
}

function defaultOut(): string {
  return join("runs", `compare-${new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}`);
}

/** A comma-separated list flag, each entry checked by `parse` (which names the problem). */
function listFlag<T>(flag: string, text: string | undefined, parse: (entry: string) => T): T[] | undefined {
  if (text === undefined) return undefined;
  const entries = text.split(",").map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) throw new ConfigError(flag, ["lists nothing; give one value or several separated by commas"]);
  return entries.map(parse);
}

export function parseRewards(text: string | undefined): WorldTask[] {
  return listFlag("--reward", text, (name) => {
    if (!(name in WORLD_TASKS)) throw new ConfigError("--reward", [`"${name}" is not a digit-world task; choose from ${Object.keys(WORLD_TASKS).join(", ")}`]);
    return name as WorldTask;
  }) ?? ["digit"];
}

export function parseSizes(text: string | undefined): (number | undefined)[] {
  return listFlag("--sizes", text, (entry) => {
    const size = Number(entry);
    if (!Number.isInteger(size) || size < 8 || size % 4 !== 0) {
      throw new ConfigError("--sizes", [`"${entry}" is not a frame size: give square sizes in pixels, multiples of 4 from 8 (e.g. 32,64)`]);
    }
    return size;
  }) ?? [undefined];
}

/** One comparison in `out` (its table printed) and the frame size it generated at; undefined when Ctrl-C stopped it. */
async function compareOne(
  bridge: Bridge,
  argv: CompareArguments,
  task: { reward: WorldTask; size: number | undefined },
  out: string,
  signal: AbortSignal,
  output: Output,
  tensorboard: string | undefined,
): Promise<SizedComparison | undefined> {
  const print = (line: string) => output.line(line);
  const job = await resolveCompareJob({ ...argv, reward: task.reward, ...(task.size !== undefined ? { size: task.size } : {}) }, bridge);
  await using model = await withSpinner(output, "loading model", () => openJobModel(bridge, job.model));
  print(`comparison in ${out}: reward ${Reward.from(job.reward)}, model ${model.info.family} at ${model.info.width}x${model.info.height} on ${model.info.device}`);
  output.event("comparison", { out, reward: Reward.from(job.reward).toString(), family: model.info.family, width: model.info.width, height: model.info.height, device: model.info.device });
  // A bar per run on a terminal (a line per step elsewhere), and a step event per step with --json.
  let running: { name: string; progress: Progress } | undefined;
  const onStep = (name: string, metrics: StepMetrics, steps: number) => {
    if (running?.name !== name) {
      running?.progress.stop();
      running = { name, progress: output.progress(name, steps, { start: metrics.step - 1 }) };
      output.event("run-directory", { path: join(out, "runs", name), run: name });
    }
    running.progress.update(metrics.step, { line: runStepLine(name, metrics, steps), status: `reward ${metrics.reward.mean.toFixed(4)}, ${metrics.rewardQueries} queries` });
    output.event("step", { run: name, ...metrics, totalSteps: steps });
  };
  let results: ComparisonResults;
  try {
    results = await compare(model, Reward.from(job.reward), {
      ...job.comparison,
      out,
      onProgress: print,
      onStep,
      runRecord: { model: job.model },
      signal,
      resume: argv.resume !== undefined,
      ...(tensorboard ? { tensorboardDirectory: tensorboard } : {}),
    });
  } catch (error) {
    running?.progress.stop();
    if (!(error instanceof AbortError)) throw error;
    output.warn(`stopped: the finished runs and the one in progress are in ${join(out, "runs")}; no results.json was written; continue with --resume ${out}`);
    output.event("stopped", { out });
    return undefined;
  }
  running?.progress.stop();
  output.result("");
  output.result(comparisonTable(results));
  output.result(`results: ${join(out, "results.json")}`);
  output.result(`table: ${join(out, results.files.table)}`);
  output.result(`plot: ${join(out, results.files.plot)}`);
  output.result(`report: ${join(out, "report.html")}`);
  output.event("comparison-done", { out, results: join(out, "results.json"), table: join(out, results.files.table), plot: join(out, results.files.plot), report: join(out, "report.html") });
  return { size: model.info.width, results };
}

/**
 * Runs the comparison of each reward at each frame size and prints their tables. With several
 * rewards or sizes, each goes into its own subfolder (<reward>, or <reward>-<size>px) and the
 * figures are drawn across them: figure7.png (curves, a column per reward), figure4.png (final
 * reward by frame size). Resolves to the finished comparisons; Ctrl-C stops after the current step
 * (exit code 130).
 */
export async function compareCommandLine(argv: CompareArguments, printer: Printer = console.log): Promise<ComparisonResults[]> {
  const output = outputOf(printer);
  const print = (line: string) => output.result(line);
  if (argv.plot !== undefined) return redraw(argv.plot, argv.out, print);
  if (argv.resume !== undefined && argv.out !== undefined && resolve(argv.out) !== resolve(argv.resume)) {
    throw new ConfigError("--resume", [`names ${argv.resume} but --out names ${argv.out}; give one folder (--resume continues the comparison in it)`]);
  }
  if (argv.config !== undefined) readJsonFile("--config", argv.config, "a JSON file of comparison fields"); // refused before any folder is made
  if (argv.resume !== undefined) existingFolder("--resume", argv.resume, "the folder of a comparison that was stopped (its runs/ inside)");
  const out = writableFolder(argv.resume !== undefined ? "--resume" : "--out", argv.resume ?? argv.out ?? defaultOut());
  const rewards = argv.tiny ? (["digit"] as WorldTask[]) : parseRewards(argv.reward);
  const sizes = parseSizes(argv.sizes);
  const tensorboard = argv.tensorboard !== undefined ? writableFolder("--tensorboard", argv.tensorboard) : undefined;
  await using bridge = await Bridge.start();
  const ctrlC = stopOnCtrlC(bridge, (line) => output.warn(line), "stopping after the current step (its metrics and LoRA are saved)");
  const finished: SizedComparison[] = [];
  try {
    for (const reward of rewards) {
      for (const size of sizes) {
        const folder = rewards.length * sizes.length === 1 ? out : join(out, size === undefined ? reward : `${reward}-${size}px`);
        const board = tensorboard && folder !== out ? join(tensorboard, relative(out, folder)) : tensorboard;
        const comparison = await compareOne(bridge, argv, { reward, size }, folder, ctrlC.signal, output, board);
        if (!comparison) {
          process.exitCode = 130;
          return finished.map((entry) => entry.results);
        }
        finished.push(comparison);
      }
    }
  } finally {
    ctrlC.release();
  }
  if (rewards.length > 1) {
    for (const size of sizes) {
      const panels = finished.filter((entry) => size === undefined || entry.size === size).map((entry) => entry.results);
      const name = sizes.length > 1 ? `figure7-${size}px.png` : "figure7.png";
      print(`figure 7 (a column per reward): ${await plotComparison(bridge, panels, join(out, name))}`);
    }
  }
  if (sizes.length > 1) print(`figure 4 (final reward by frame size): ${await plotFinalBySize(bridge, finished, join(out, "figure4.png"))}`);
  output.event("done", { out, comparisons: finished.length, ...(tensorboard ? { tensorboard } : {}) });
  return finished.map((entry) => entry.results);
}

/**
 * `--plot DIR...`: each comparison's table.md, curves.png and report.html drawn again from its results.json (any
 * version, summarized by today's rules); with several, figure7.png across them into `out` (default: the first's parent).
 */
async function redraw(folders: string[], out: string | undefined, print: (line: string) => void): Promise<ComparisonResults[]> {
  if (folders.length === 0) throw new ConfigError("--plot", ["lists no folder; give one or more comparison folders (each with a results.json)"]);
  const loaded = folders.map((folder) => {
    const full = existingFolder("--plot", folder, "a comparison folder (with its results.json)");
    return { folder: full, results: loadComparisonResults(join(full, "results.json")) };
  });
  await using bridge = await Bridge.start();
  for (const { folder, results } of loaded) {
    writeFileSync(join(folder, results.files.table), comparisonTable(results));
    print(`${folder}: ${results.files.table}, ${await plotComparison(bridge, results, join(folder, results.files.plot))}, ${writeComparisonReport(folder)}`);
  }
  if (loaded.length > 1) {
    const target = join(resolve(out ?? dirname(loaded[0]?.folder ?? ".")), "figure7.png");
    print(`figure 7 (a column per comparison): ${await plotComparison(bridge, loaded.map((entry) => entry.results), target)}`);
  }
  return loaded.map((entry) => entry.results);
}

export const compareCommand: CommandModule<object, CompareArguments> = {
  command: "compare",
  describe: "VADER, DDPO, Diffusion-DPO and GRPO from the same base on the same reward and budget of reward queries; results.json, table.md, curves.png",
  builder: (yargs: Argv) =>
    withOutputFlags(yargs)
      .option("reward", { type: "string", describe: `digit-world task(s), comma-separated: ${Object.keys(WORLD_TASKS).join(", ")}; several also draw figure7.png (default: digit)` })
      .option("sizes", { type: "string", describe: "generated frame sizes in pixels, comma-separated (e.g. 32,64); several also draw figure4.png (default: the model's own)" })
      .option("methods", { type: "string", describe: `comma-separated methods (default: ${TRAINING_METHODS.join(",")})` })
      .option("budget", { type: "number", describe: "reward queries per run (each video scored once is one query; default 256)" })
      .option("seeds", { type: "number", describe: "seeds per method and learning rate: 0..N-1 (default 1)" })
      .option("lrs-per-method", { type: "number", describe: "learning rates per method: its base lr, then 10x, then 1/10x (1 to 3; default 3)" })
      .option("out", { type: "string", describe: "the comparison's folder (default: runs/compare-<timestamp>)" })
      .option("config", { type: "string", describe: "JSON file with comparison fields (methods, budget, seeds, lrsPerMethod, learningRates, trainer.<method>, trainPrompts, testPrompts, evaluation)" })
      .option("model", { type: "string", describe: "model folder: Model.save or a diffusers pipeline folder (ModelScope text-to-video, Wan) (default: the digit world's base)" })
      .option("tiny", { type: "boolean", describe: "the random-weight tiny model with a brightness reward and no judge (smoke test)" })
      .option("eval-samples", { type: "number", describe: "final videos per prompt, for base and every run (default 2)" })
      .option("captions", { type: "string", describe: "all: every world caption (default); task: only the task's own captions, where the base is weak (digit 5)" })
      .option("resume", { type: "string", describe: "continue the comparison in this folder: finished runs are read back, the one in progress starts over" })
      .option("tensorboard", { type: "string", describe: "also write TensorBoard event files: each run's scalars per step and final samples in DIR/<run>" })
      .option("plot", { type: "string", array: true, describe: "redraw table.md and curves.png of these comparison folders from their results.json (and figure7.png across several), training nothing" }) as unknown as Argv<CompareArguments>,
  handler: async (argv: ArgumentsCamelCase<CompareArguments>) => {
    await compareCommandLine(argv, createOutput(argv));
  },
};
