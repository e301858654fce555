// `vader train`: fine-tune a model with VADER (or a baseline: --method) and leave a run directory behind.
import { join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { ConfigError } from "../errors.js";
import { Bridge } from "../bridge.js";
import { Reward } from "../reward/reward.js";
import { runTrainJob, type TrainJobEvent } from "../run/train-job-run.js";
import type { EarlyStopRecord } from "../specs/early-stop.js";
import type { RewardSpec } from "../specs/reward-spec.js";
import { METHOD_LABELS, sharedTaskFields, TRAINING_METHODS, type TrainingMethod } from "../trainer/by-method.js";
import { JUDGE_FALL } from "../compare/summary.js";
import { describeFalls } from "../compare/table.js";
import { formatStep } from "./format.js";
import { stopOnCtrlC, type CtrlC } from "./ctrl-c.js";
import { checkRewardNames, existingFolder, jsonObjectFlag, MODEL_FOLDER, readJsonFile, readTextFile, writableFolder } from "./inputs.js";
import { promptsFromText } from "./job-model.js";
import { createOutput, outputOf, withOutputFlags, type Printer, type Progress } from "./output.js";
import { TINY_TRAIN_JOB, TrainJobConfig, WORLD_TASKS, worldTrainJob, type TrainJobInput, type WorldTask } from "../world/train-job.js";

export interface TrainArguments {
  /** Folder for TensorBoard event files: scalars per step, the before/after samples. */
  tensorboard?: string;
  json?: boolean;
  quiet?: boolean;
  method?: TrainingMethod;
  config?: string;
  name?: string;
  runsDir: string;
  steps?: number;
  lr?: number;
  seed?: number;
  /** A digit-world task (its reward, prompts and settings) or any registered reward's name. */
  reward?: string;
  /** JSON options of the --reward. */
  options?: string;
  prompts?: string;
  model?: string;
  tiny?: boolean;
  evalSamples?: number;
  saveEvery?: number;
  resume?: string;
  processes?: number;
  nodes?: number;
  rendezvous?: string;
  shardFrozenBase?: boolean;
}

export function resolveTrainJob(argv: TrainArguments): TrainJobConfig {
  const fromFile = argv.config ? readJsonFile("--config", argv.config, "a JSON job file") : {};
  const task = !argv.tiny && argv.reward !== undefined && Object.hasOwn(WORLD_TASKS, argv.reward) ? (argv.reward as WorldTask) : undefined;
  const base: TrainJobInput = argv.tiny ? TINY_TRAIN_JOB : worldTrainJob(task ?? "digit");
  const method = argv.method ?? fromFile.method ?? "vader";
  const merged: Record<string, unknown> = { ...base, ...fromFile, method };
  if (argv.reward !== undefined || argv.options !== undefined) merged.reward = flagReward(argv, task);
  // A task's trainer settings are VADER's; another method keeps only the sampler, guidance, LoRA and seed.
  const taskTrainer = method === "vader" ? (base.trainer ?? {}) : sharedTaskFields(base.trainer ?? {});
  const trainer = { ...taskTrainer, ...(fromFile.trainer as object | undefined) } as Record<string, unknown>;
  if (argv.lr !== undefined) trainer.lr = argv.lr;
  if (argv.seed !== undefined) trainer.seed = argv.seed;
  merged.trainer = trainer;
  if (argv.steps !== undefined) merged.steps = argv.steps;
  if (argv.model !== undefined) merged.model = { directory: existingFolder("--model", argv.model, MODEL_FOLDER) };
  if (argv.prompts !== undefined) {
    const prompts = promptsFromText(readTextFile("--prompts", argv.prompts, "a text file of prompts, one per line"));
    if (prompts.length === 0) throw new ConfigError("--prompts", [`${resolve(argv.prompts)} lists no prompts; write one prompt per line`]);
    merged.prompts = prompts;
    merged.preview = { ...(merged.preview as object), prompts: prompts.slice(0, 1) };
  }
  if (argv.evalSamples !== undefined) merged.evaluation = { ...(merged.evaluation as object), samplesPerPrompt: argv.evalSamples };
  if (argv.saveEvery !== undefined) merged.saveEvery = argv.saveEvery;
  if (argv.processes !== undefined) merged.processes = argv.processes;
  if (argv.nodes !== undefined) merged.nodes = argv.nodes;
  if (argv.shardFrozenBase !== undefined) merged.shardFrozenBase = argv.shardFrozenBase;
  const parsed = TrainJobConfig.safeParse(merged);
  if (!parsed.success) throw ConfigError.fromZod(argv.config ? `train job (${argv.config} + flags)` : "train job", parsed.error);
  if ("directory" in parsed.data.model) existingFolder("model.directory", parsed.data.model.directory, MODEL_FOLDER);
  checkRewardNames(parsed.data.reward, "reward");
  return parsed.data;
}

/**
 * The reward --reward and --options name: a task's reward (its options overridden by --options), any
 * registered reward by name, or with --options alone the base job's reward with those options.
 */
function flagReward(argv: TrainArguments, task: WorldTask | undefined): RewardSpec {
  const options = argv.options === undefined ? {} : jsonObjectFlag("--options", argv.options);
  const fallback = (argv.tiny ? TINY_TRAIN_JOB.reward : worldTrainJob(task ?? "digit").reward) as RewardSpec;
  const named = (argv.reward === undefined ? fallback : task ? WORLD_TASKS[task].reward : { kind: "named", name: argv.reward, options: {} }) as RewardSpec;
  if (named.kind !== "named") throw new ConfigError("--options", ["applies to a named reward; give --reward NAME"]);
  checkRewardNames(named, "--reward");
  return Reward.named(named.name, { ...named.options, ...options }).spec;
}

/** The job a run recorded in its config.json, for --resume (what the run learned about its machine is dropped). */
export function recordedTrainJob(runDirectory: string): TrainJobConfig {
  const what = "a run directory of vader train (with config.json and checkpoints/)";
  const config = readJsonFile("--resume", join(existingFolder("--resume", runDirectory, what), "config.json"), what);
  const { placement: _placement, bridge: _bridge, ...job } = config;
  const parsed = TrainJobConfig.safeParse(job);
  if (!parsed.success) throw ConfigError.fromZod(`the job recorded in ${join(runDirectory, "config.json")}`, parsed.error);
  return parsed.data;
}

function defaultRunName(method: TrainingMethod): string {
  return `${method}-${new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}`;
}

export async function train(argv: TrainArguments, printer: Printer = console.log): Promise<string> {
  const output = outputOf(printer);
  const print = (line: string) => output.line(line);
  const tensorboard = argv.tensorboard !== undefined ? writableFolder("--tensorboard", argv.tensorboard) : undefined;
  const resuming = argv.resume !== undefined;
  const job = resuming ? recordedTrainJob(argv.resume as string) : resolveTrainJob(argv);
  const runDirectory = resuming ? resolve(argv.resume as string) : resolve(join(writableFolder("--runs-dir", argv.runsDir), argv.name ?? defaultRunName(job.method)));
  print(`${resuming ? "resuming run" : "run directory"}: ${runDirectory}`);
  output.event("run-directory", { path: runDirectory, resuming });

  // Several ranks: torchrun starts them, and this bridge is their leader (docs/distributed.md).
  await using bridge = await Bridge.start({
    processes: job.processes,
    nodes: job.nodes,
    ...(argv.rendezvous ? { rendezvous: argv.rendezvous } : {}),
    ...(job.shardFrozenBase ? { shardFrozenBase: true } : {}),
  });
  if (job.processes * job.nodes > 1) print(`data-parallel: ${job.processes * job.nodes} ranks (${job.processes} per node x ${job.nodes} nodes), batch ${"batchSize" in job.trainer ? job.trainer.batchSize : "?"} split evenly`);
  print(`bridge: Python ${bridge.info.python}, torch ${bridge.info.versions.torch}, device ${bridge.info.device}`);
  // Ctrl-C stops training only: it listens from the training line to the end of the fit.
  const stopping = new AbortController();
  let ctrlC: CtrlC | undefined;
  const works = new Map<string, Progress>();
  const onEvent = (event: TrainJobEvent) => {
    switch (event.type) {
      case "note":
        return print(event.text);
      case "warning":
        return output.warn(event.text);
      case "work-start":
        return void works.set(event.label, output.progress(event.label, event.total, { ...(event.start !== undefined ? { start: event.start } : {}), ...(event.elapsedOnly ? { elapsedOnly: true } : {}) }));
      case "work-progress":
        return works.get(event.label)?.update(event.done, event.seconds !== undefined ? { status: `${event.seconds.toFixed(1)} s` } : undefined);
      case "work-end":
        works.get(event.label)?.stop();
        return void works.delete(event.label);
      case "sample":
        print(`${event.label} sample ${event.index}: reward ${event.reward?.toFixed(4)}  ${event.path}`);
        return output.event("sample", { label: event.label, index: event.index, reward: event.reward, path: event.path });
      case "training":
        print(`training: ${event.steps} steps of ${METHOD_LABELS[event.method]}, reward ${event.reward}, ${event.prompts} prompts (Ctrl-C stops after the current step and saves)`);
        return void (ctrlC = stopOnCtrlC(bridge, (line) => output.warn(line), "stopping after the current step and saving", stopping));
      case "step":
        works.get("training")?.update(event.metrics.step, { line: formatStep(event.metrics, event.totalSteps), status: `reward ${event.metrics.reward.mean.toFixed(4)}` });
        return output.event("step", { ...event.metrics, totalSteps: event.totalSteps });
      case "fitted":
        if (event.earlyStop) print(describeEarlyStop(event.earlyStop));
        return ctrlC?.release();
      case "stopped":
        output.warn(`stopped after step ${event.step} of ${event.totalSteps}: metrics, LoRA and checkpoint of that step are in ${event.runDirectory}; continue with vader train --resume ${event.runDirectory}`);
        output.event("stopped", { step: event.step, totalSteps: event.totalSteps, runDirectory: event.runDirectory });
        return ctrlC?.release();
      case "reward-change": {
        const { window, first, last } = event.change;
        return output.result(`reward: first ${window} steps ${first.toFixed(4)} -> last ${window} steps ${last.toFixed(4)} (${last >= first ? "+" : ""}${(last - first).toFixed(4)})`);
      }
      case "judge": {
        const { before, after, falls, reward } = event;
        const percent = (value: number) => `${Math.round(value * 100)}%`;
        print(`judge: prompted digit ${percent(before.digitAccuracy)} -> ${percent(after.digitAccuracy)} (${after.samples} samples)`);
        print(`judge: prompted direction ${percent(before.directionAccuracy)} -> ${percent(after.directionAccuracy)} (${after.samples} samples)`);
        if (falls.length > 0) print(`judge fell: ${describeFalls(falls)} (more than ${(JUDGE_FALL * 100).toFixed(0)} points: the training broke what the judge measures)`);
        return print(`reward ${reward} on the judged samples: ${before.rewards[reward]?.toFixed(4)} -> ${after.rewards[reward]?.toFixed(4)}`);
      }
      case "done": {
        output.result(`LoRA weights: ${event.loraPath}`);
        output.result(`metrics: ${event.metrics}`);
        output.result(`report: ${event.report}`);
        const { runDirectory: path, loraPath, metrics, report, reward, judge } = event;
        return output.event("done", { runDirectory: path, loraPath, metrics, report, reward, ...(judge ? { judge } : {}), ...(tensorboard ? { tensorboard } : {}) });
      }
    }
  };
  try {
    const end = await runTrainJob(bridge, job, { runDirectory, resume: resuming, signal: stopping.signal, ...(tensorboard ? { tensorboardDirectory: tensorboard } : {}), onEvent });
    if (end.type === "stopped") process.exitCode = 130;
  } finally {
    for (const progress of works.values()) progress.stop();
    ctrlC?.release();
  }
  return runDirectory;
}

/** One line on what early stopping did: the held-out scores, and the step whose LoRA was kept. */
function describeEarlyStop(record: EarlyStopRecord): string {
  const scores = record.evaluations.map((evaluation) => `${evaluation.step}: ${evaluation.score.toFixed(4)}`).join(", ");
  const ending = record.stopped ? `stopped after step ${record.lastStep}` : `ran all ${record.lastStep} steps`;
  return `early stop: ${ending}; held-out reward by step ${scores}; kept the LoRA of step ${record.keptStep}`;
}

export const trainCommand: CommandModule<object, TrainArguments> = {
  command: "train",
  describe: "Fine-tune the digit world's base (or --model DIR) with VADER or a baseline, judge it before and after, and write runs/<name>/",
  builder: (yargs: Argv) =>
    withOutputFlags(yargs)
      .option("method", { choices: TRAINING_METHODS, describe: "the algorithm: vader (reward gradients) or a baseline: ddpo, dpo, grpo (default: vader)" })
      .option("config", { type: "string", describe: "JSON file with job overrides (method, model, reward, trainer: the method's own options, steps, prompts, preview, evaluation, earlyStop)" })
      .option("name", { type: "string", describe: "run name (default: <method>-<timestamp>)" })
      .option("runs-dir", { type: "string", default: "runs", describe: "folder that holds run directories" })
      .option("steps", { type: "number", describe: "optimizer steps" })
      .option("lr", { type: "number", describe: "learning rate" })
      .option("seed", { type: "number", describe: "trainer seed" })
      .option("reward", { type: "string", describe: `a digit-world task (${Object.keys(WORLD_TASKS).join(", ")}: its reward, prompts and settings; default digit), or any registered reward's name` })
      .option("options", { type: "string", describe: "the reward's options as a JSON object, e.g. '{\"digit\": 3}'" })
      .option("prompts", { type: "string", describe: "text file of training prompts, one per line" })
      .option("model", { type: "string", describe: "model folder: Model.save or a diffusers pipeline folder (ModelScope text-to-video, Wan) (default: the digit world's base)" })
      .option("tiny", { type: "boolean", describe: "the random-weight tiny model with a brightness reward (smoke test)" })
      .option("eval-samples", { type: "number", describe: "judged videos per prompt before and after (0 skips the judge)" })
      .option("save-every", { type: "number", describe: "save the LoRA and a full checkpoint every N steps (always at the end and on Ctrl-C)" })
      .option("processes", { type: "number", describe: "data-parallel ranks on this machine, started by torchrun (docs/distributed.md)" })
      .option("nodes", { type: "number", describe: "machines in a data-parallel run; the others join the --rendezvous (docs/distributed.md)" })
      .option("rendezvous", { type: "string", describe: "host:port of the c10d rendezvous that every node joins (needed with --nodes > 1)" })
      .option("shard-frozen-base", { type: "boolean", describe: "shard the frozen denoiser over the ranks with FSDP2, for bases too big for one GPU (docs/distributed.md)" })
      .option("resume", { type: "string", describe: "continue the run in this directory from its last good checkpoint, with the job it recorded" })
      .option("tensorboard", { type: "string", describe: "also write TensorBoard event files to this folder: reward, its terms, loss, grad-norm, lr, seconds per step; the before/after samples" })
      .conflicts("resume", ["config", "name", "steps", "lr", "seed", "reward", "prompts", "model", "tiny", "method", "eval-samples", "save-every", "processes", "nodes", "shard-frozen-base"]) as unknown as Argv<TrainArguments>,
  handler: async (argv: ArgumentsCamelCase<TrainArguments>) => {
    await train(argv, createOutput(argv));
  },
};
