// `vader compare`: VADER, DDPO, Diffusion-DPO and GRPO from the same base on the same reward and
// budget of reward queries; writes results.json, table.md, curves.png and every run directory.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { Bridge } from "../bridge.js";
import { compare } from "../compare/compare.js";
import { comparisonTable } from "../compare/table.js";
import { AbortError, ConfigError } from "../errors.js";
import { Reward } from "../reward/reward.js";
import type { CompareConfigInput } from "../specs/compare-config.js";
import type { ComparisonResults } from "../specs/comparison-results.js";
import type { RewardSpec } from "../specs/reward-spec.js";
import { TRAINING_METHODS, TrainingMethodName, type TrainingMethod } from "../specs/trainers/methods.js";
import { sharedTaskFields } from "../trainer/by-method.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { worldPrompts } from "../world/judge.js";
import { WORLD_BASE_DIRECTORY, WORLD_SAMPLING } from "../world/world-defaults.js";
import { openJobModel } from "./job-model.js";
import { JobModel, TINY_TRAIN_JOB, WORLD_TASKS, type WorldTask } from "./train-job.js";

export interface CompareArguments {
  reward?: WorldTask;
  methods?: string;
  budget?: number;
  seeds?: number;
  lrsPerMethod?: number;
  out?: string;
  config?: string;
  model?: string;
  tiny?: boolean;
  evalSamples?: number;
}

export interface CompareJob {
  model: JobModel;
  reward: RewardSpec;
  comparison: CompareConfigInput;
}

/** The tiny smoke comparison: the random tiny model at 4 frames of 16x16, sampled in 4 DDIM steps without guidance. */
const TINY_MODEL = { ...TINY_TRAIN_JOB.model, frames: 4, height: 16, width: 16 };
const TINY_SAMPLER = { scheduler: { name: "ddim", steps: 4, eta: 1 }, guidanceScale: 1 } as const;

/** Captions of the world's split, less those naming the digit a removal reward removes (they would ask for the impossible). */
async function promptsOf(bridge: BridgeClient, split: "train" | "test", reward: RewardSpec): Promise<string[]> {
  const removed = reward.kind === "named" && reward.name === "removal" ? reward.options.digit : undefined;
  return (await worldPrompts(bridge, split)).filter((prompt) => removed === undefined || !prompt.startsWith(`digit ${String(removed)} `));
}

/**
 * The world task (or the tiny smoke test) as a comparison, then --config's fields, then flags. On
 * the world, VADER keeps the task's own trainer settings; the baselines its sampler, guidance, LoRA and seed.
 */
export async function resolveCompareJob(argv: CompareArguments, bridge: BridgeClient): Promise<CompareJob> {
  const fromFile: Partial<CompareConfigInput> = argv.config ? (JSON.parse(readFileSync(argv.config, "utf8")) as Partial<CompareConfigInput>) : {};
  const methods = argv.methods !== undefined ? argv.methods.split(",").map((name) => name.trim()).filter(Boolean) : (fromFile.methods ?? [...TRAINING_METHODS]);
  if (argv.seeds !== undefined && (!Number.isInteger(argv.seeds) || argv.seeds < 1)) {
    throw new ConfigError("--seeds", [`must be a whole number of seeds, 1 or more (got ${argv.seeds}); the runs use seeds 0..N-1`]);
  }
  for (const name of methods) {
    if (!TrainingMethodName.safeParse(name).success) throw new ConfigError("--methods", [`"${name}" is not a method; choose from ${TRAINING_METHODS.join(", ")}`]);
  }
  let job: CompareJob;
  if (argv.tiny) {
    const prompts = { train: (await worldPrompts(bridge, "train")).slice(0, 2), test: (await worldPrompts(bridge, "test")).slice(0, 2) };
    job = {
      model: JobModel.parse(TINY_MODEL),
      reward: Reward.from(TINY_TRAIN_JOB.reward).spec,
      comparison: {
        trainer: { vader: { ...TINY_TRAIN_JOB.trainer, ...TINY_SAMPLER }, ddpo: TINY_SAMPLER, dpo: TINY_SAMPLER, grpo: TINY_SAMPLER },
        trainPrompts: prompts.train,
        testPrompts: prompts.test,
        // A random model draws no digits: nothing for the judge to read.
        evaluation: { samplesPerPrompt: 1, scheduler: { name: "ddim", steps: 4, eta: 0 }, guidanceScale: 1, judge: false },
      },
    };
  } else {
    const task = WORLD_TASKS[argv.reward ?? "digit"];
    const reward = Reward.from(task.reward).spec;
    const shared = sharedTaskFields(task.trainer);
    job = {
      model: JobModel.parse({ directory: resolve(argv.model ?? WORLD_BASE_DIRECTORY) }),
      reward,
      comparison: {
        trainer: { vader: task.trainer, ddpo: shared, dpo: shared, grpo: shared },
        trainPrompts: await promptsOf(bridge, "train", reward),
        testPrompts: await promptsOf(bridge, "test", reward),
        evaluation: { samplesPerPrompt: 2, scheduler: WORLD_SAMPLING.scheduler, guidanceScale: WORLD_SAMPLING.guidanceScale, judge: true },
      },
    };
  }
  const trainer = { ...job.comparison.trainer } as Record<string, Record<string, unknown>>;
  for (const [method, options] of Object.entries(fromFile.trainer ?? {})) trainer[method] = { ...trainer[method], ...(options as Record<string, unknown>) };
  const comparison: CompareConfigInput = {
    ...job.comparison,
    ...fromFile,
    methods: methods as TrainingMethod[],
    trainer,
    evaluation: { ...job.comparison.evaluation, ...fromFile.evaluation, ...(argv.evalSamples !== undefined ? { samplesPerPrompt: argv.evalSamples } : {}) },
    ...(argv.budget !== undefined ? { budget: argv.budget } : {}),
    ...(argv.seeds !== undefined ? { seeds: Array.from({ length: argv.seeds }, (_, seed) => seed) } : {}),
    ...(argv.lrsPerMethod !== undefined ? { lrsPerMethod: argv.lrsPerMethod } : {}),
  };
  // Learning-rate sweeps only for the methods that run (a file may list sweeps for all four).
  if (comparison.learningRates) {
    comparison.learningRates = Object.fromEntries(Object.entries(comparison.learningRates).filter(([method]) => methods.includes(method)));
  }
  return { ...job, comparison };
}

function defaultOut(): string {
  return join("runs", `compare-${new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}`);
}

/** Runs the comparison and prints its table; undefined when Ctrl-C stopped it (exit code 130). */
export async function compareCommandLine(argv: CompareArguments, print: (line: string) => void = console.log): Promise<ComparisonResults | undefined> {
  const out = resolve(argv.out ?? defaultOut());
  await using bridge = await Bridge.start();
  const job = await resolveCompareJob(argv, bridge);
  await using model = await openJobModel(bridge, job.model);
  print(`comparison in ${out}: reward ${Reward.from(job.reward)}, model ${model.info.family} on ${model.info.device}`);
  const stopping = new AbortController();
  const onInterrupt = () => {
    if (!stopping.signal.aborted) {
      print("Ctrl-C: stopping after the current step (its metrics and LoRA are saved); press Ctrl-C again to end Python at once");
      stopping.abort();
    } else {
      void bridge.kill();
    }
  };
  process.on("SIGINT", onInterrupt);
  let results: ComparisonResults;
  try {
    results = await compare(model, Reward.from(job.reward), { ...job.comparison, out, onProgress: print, runRecord: { model: job.model }, signal: stopping.signal });
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    print(`stopped: the finished runs and the one in progress are in ${join(out, "runs")}; no results.json was written`);
    process.exitCode = 130;
    return undefined;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  print("");
  print(comparisonTable(results));
  print(`results: ${join(out, "results.json")}`);
  print(`table: ${join(out, results.files.table)}`);
  print(`plot: ${join(out, results.files.plot)}`);
  return results;
}

export const compareCommand: CommandModule<object, CompareArguments> = {
  command: "compare",
  describe: "VADER, DDPO, Diffusion-DPO and GRPO from the same base on the same reward and budget of reward queries; results.json, table.md, curves.png",
  builder: (yargs: Argv) =>
    yargs
      .option("reward", { choices: Object.keys(WORLD_TASKS), describe: "digit-world task: its reward and trainer settings (default: digit)" })
      .option("methods", { type: "string", describe: `comma-separated methods (default: ${TRAINING_METHODS.join(",")})` })
      .option("budget", { type: "number", describe: "reward queries per run (each video scored once is one query; default 256)" })
      .option("seeds", { type: "number", describe: "seeds per method and learning rate: 0..N-1 (default 1)" })
      .option("lrs-per-method", { type: "number", describe: "learning rates per method: its base lr, then 10x, then 1/10x (1 to 3; default 3)" })
      .option("out", { type: "string", describe: "the comparison's folder (default: runs/compare-<timestamp>)" })
      .option("config", { type: "string", describe: "JSON file with comparison fields (methods, budget, seeds, lrsPerMethod, learningRates, trainer.<method>, trainPrompts, testPrompts, evaluation)" })
      .option("model", { type: "string", describe: "model folder in the ModelScope layout (default: the digit world's base)" })
      .option("tiny", { type: "boolean", describe: "the random-weight tiny model with a brightness reward and no judge (smoke test)" })
      .option("eval-samples", { type: "number", describe: "final videos per prompt, for base and every run (default 2)" }) as unknown as Argv<CompareArguments>,
  handler: async (argv: ArgumentsCamelCase<CompareArguments>) => {
    await compareCommandLine(argv);
  },
};
