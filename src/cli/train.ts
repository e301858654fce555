// `vader train`: fine-tune a model with VADER (or a baseline: --method) and leave a run directory behind.
import { join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { AbortError, ConfigError } from "../errors.js";
import { Bridge } from "../bridge.js";
import { videoAt } from "../model/video.js";
import { Reward } from "../reward/reward.js";
import { writeRunReport } from "../report/write-report.js";
import { Run } from "../run/run.js";
import { addTensorBoardVideo } from "../run/tensorboard.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { EarlyStopRecord } from "../specs/early-stop.js";
import type { StepMetrics } from "../specs/metrics.js";
import type { RewardSpec } from "../specs/reward-spec.js";
import { METHOD_LABELS, sharedTaskFields, trainerFor, TRAINING_METHODS, type TrainingMethod } from "../trainer/by-method.js";
import { evaluate, type EvaluationReport } from "../world/evaluate.js";
import { JUDGE_FALL, measureFalls } from "../compare/summary.js";
import { describeFalls } from "../compare/table.js";
import { formatStep, mean } from "./format.js";
import { stopOnCtrlC } from "./ctrl-c.js";
import { checkRewardNames, existingFolder, jsonObjectFlag, MODEL_FOLDER, readJsonFile, readTextFile, writableFolder } from "./inputs.js";
import { openJobModel, promptsFromText } from "./job-model.js";
import { createOutput, outputOf, sampleWithProgress, withOutputFlags, withSpinner, type Printer } from "./output.js";
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

type JudgeSummary = ReturnType<typeof summary>;

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
  await using model = await withSpinner(output, "loading model", () => openJobModel(bridge, job.model));
  const { device, weightsDtype, adapterDtype } = model.info;
  print(`model: ${model.info.family} on ${device}, weights ${weightsDtype}, LoRA ${adapterDtype}`);
  for (const note of model.info.notes) print(`note: ${note}`);
  const prompts = job.prompts.length > 0 ? job.prompts : (await bridge.call("prompts.builtIn", {})).prompts;
  const reward = Reward.from(job.reward);
  // A sampler without a name is the model's own: name it, so the run records what ran.
  const scheduler = { name: model.info.defaultScheduler, ...job.trainer.scheduler };
  await using trainer = trainerFor(job.method, model, reward, { ...job.trainer, scheduler });
  // The device and dtypes are the ones the model actually got, not the ones asked for.
  const run = resuming
    ? Run.open(bridge, runDirectory)
    : await Run.create(bridge, runDirectory, { ...job, prompts, trainer: trainer.config, placement: { device, weightsDtype, adapterDtype }, bridge: bridge.info });

  const preview = async (label: string) => {
    const scheduler = Scheduler.from(job.preview.scheduler ?? job.trainer.scheduler);
    const videos = await sampleWithProgress(output, model, `${label} samples`, { prompts: job.preview.prompts, seed: job.preview.seed, scheduler, guidanceScale: job.trainer.guidanceScale });
    const scores = await reward.score(bridge, videos, job.preview.prompts);
    for (let index = 0; index < job.preview.prompts.length; index++) {
      const path = await run.saveSample(`${label}-${index}`, videoAt(videos, index));
      print(`${label} sample ${index}: reward ${scores[index]?.toFixed(4)}  ${path}`);
      output.event("sample", { label, index, reward: scores[index], path });
      if (tensorboard) await addTensorBoardVideo(bridge, tensorboard, `samples/${label}-${index}`, videoAt(videos, index), { step: label === "before" ? 0 : job.steps });
    }
  };

  // The judge on the same seeds before and after: a reward that rises while the judge does not is being hacked.
  const judge = async (): Promise<EvaluationReport | undefined> =>
    job.evaluation.samplesPerPrompt === 0
      ? undefined
      : evaluate(model, {
          prompts,
          count: job.evaluation.samplesPerPrompt,
          seed: job.evaluation.seed,
          scheduler: Scheduler.from(job.trainer.scheduler),
          guidanceScale: job.trainer.guidanceScale,
          rewards: [reward],
        });

  const history: StepMetrics[] = [];
  let judgedBefore: JudgeSummary | undefined;
  if (resuming) {
    const { step, warnings } = await trainer.resume(runDirectory);
    for (const warning of warnings) output.warn(`warning: ${warning}`);
    const record = await Run.load(bridge, runDirectory);
    history.push(...record.metrics);
    judgedBefore = record.evaluation?.before as JudgeSummary | undefined;
    print(`resumed from the checkpoint of step ${step} of ${job.steps}`);
  } else {
    await preview("before");
    const before = await judge();
    if (before) {
      judgedBefore = summary(before);
      await run.saveEvaluation({ before: judgedBefore }); // kept for a resumed run's comparison
    }
  }
  const remaining = job.steps - history.length;
  print(`training: ${remaining} steps of ${METHOD_LABELS[job.method]}, reward ${reward}, ${prompts.length} prompts (Ctrl-C stops after the current step and saves)`);
  const ctrlC = stopOnCtrlC(bridge, (line) => output.warn(line), "stopping after the current step and saving");
  const fitting = trainer.fit({ prompts, steps: Math.max(remaining, 0), runDirectory, signal: ctrlC.signal, ...(job.saveEvery ? { saveEvery: job.saveEvery } : {}), ...(tensorboard ? { tensorboardDirectory: tensorboard } : {}), ...(job.earlyStop ? { earlyStop: job.earlyStop } : {}) });
  let loraPath: string | null = null;
  try {
    const steps = output.progress("training", job.steps, { start: history.length });
    try {
      for await (const metrics of fitting) {
        history.push(metrics);
        steps.update(metrics.step, { line: formatStep(metrics, job.steps), status: `reward ${metrics.reward.mean.toFixed(4)}` });
        output.event("step", { ...metrics, totalSteps: job.steps });
      }
    } finally {
      steps.stop();
    }
    const fitted = await fitting.result;
    loraPath = fitted.loraPath;
    if (fitted.earlyStop) print(describeEarlyStop(fitted.earlyStop));
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    output.warn(`stopped after step ${history.length} of ${job.steps}: metrics, LoRA and checkpoint of that step are in ${runDirectory}; continue with vader train --resume ${runDirectory}`);
    output.event("stopped", { step: history.length, totalSteps: job.steps, runDirectory });
    process.exitCode = 130;
    return runDirectory;
  } finally {
    ctrlC.release();
  }
  await preview("after");
  const after = await judge();
  const judgedAfter = after ? summary(after) : undefined;

  const window = Math.min(3, history.length);
  const first = mean(history.slice(0, window).map((metrics) => metrics.reward.mean));
  const last = mean(history.slice(-window).map((metrics) => metrics.reward.mean));
  output.result(`reward: first ${window} steps ${first.toFixed(4)} -> last ${window} steps ${last.toFixed(4)} (${last >= first ? "+" : ""}${(last - first).toFixed(4)})`);
  if (judgedBefore && judgedAfter) {
    const percent = (value: number) => `${Math.round(value * 100)}%`;
    const samples = judgedAfter.samples;
    print(`judge: prompted digit ${percent(judgedBefore.digitAccuracy)} -> ${percent(judgedAfter.digitAccuracy)} (${samples} samples)`);
    print(`judge: prompted direction ${percent(judgedBefore.directionAccuracy)} -> ${percent(judgedAfter.directionAccuracy)} (${samples} samples)`);
    const falls = measureFalls(judgedBefore, judgedAfter);
    if (falls.length > 0) print(`judge fell: ${describeFalls(falls)} (more than ${(JUDGE_FALL * 100).toFixed(0)} points: the training broke what the judge measures)`);
    const rewardName = reward.toString();
    print(`reward ${rewardName} on the judged samples: ${judgedBefore.rewards[rewardName]?.toFixed(4)} -> ${judgedAfter.rewards[rewardName]?.toFixed(4)}`);
    await run.saveEvaluation({ before: judgedBefore, after: judgedAfter });
  }
  output.result(`LoRA weights: ${loraPath}`);
  output.result(`metrics: ${join(runDirectory, "metrics.jsonl")}`);
  const report = writeRunReport(runDirectory);
  output.result(`report: ${report}`);
  output.event("done", { runDirectory, loraPath, metrics: join(runDirectory, "metrics.jsonl"), report, reward: { window, first, last }, ...(judgedAfter ? { judge: { before: judgedBefore, after: judgedAfter } } : {}), ...(tensorboard ? { tensorboard } : {}) });
  return runDirectory;
}

/** One line on what early stopping did: the held-out scores, and the step whose LoRA was kept. */
function describeEarlyStop(record: EarlyStopRecord): string {
  const scores = record.evaluations.map((evaluation) => `${evaluation.step}: ${evaluation.score.toFixed(4)}`).join(", ");
  const ending = record.stopped ? `stopped after step ${record.lastStep}` : `ran all ${record.lastStep} steps`;
  return `early stop: ${ending}; held-out reward by step ${scores}; kept the LoRA of step ${record.keptStep}`;
}

function summary(report: EvaluationReport) {
  return { samples: report.judge.samples, digitAccuracy: report.judge.digitAccuracy, directionAccuracy: report.judge.directionAccuracy, rewards: report.rewards };
}

export const trainCommand: CommandModule<object, TrainArguments> = {
  command: "train",
  describe: "Fine-tune the digit world's base (or --model DIR) with VADER or a baseline, judge it before and after, and write runs/<name>/",
  builder: (yargs: Argv) =>
    withOutputFlags(yargs)
      .option("method", { choices: TRAINING_METHODS, describe: "the algorithm: vader (reward gradients) or a baseline: ddpo, dpo, grpo (default: vader)" })
      .option("config", { type: "string", describe: "JSON file with job overrides (method, model, reward, trainer: the method's own options, steps, prompts, preview, evaluation)" })
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
