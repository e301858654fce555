// A training job run from start to finish, as `vader train` runs it: open the job's model, build
// its method's trainer, sample and judge before, fit (resuming, stopping early, logging to
// TensorBoard), sample and judge after, and leave a run directory with evaluation.json and its
// report. What happens is reported as typed events; the CLI prints them, a program may ignore them.
import { join } from "node:path";
import { measureFalls, type MeasureFall } from "../compare/summary.js";
import { AbortError } from "../errors.js";
import { videoAt } from "../model/video.js";
import type { Model } from "../model/model.js";
import { writeRunReport } from "../report/write-report.js";
import { Reward } from "../reward/reward.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { EarlyStopRecord } from "../specs/early-stop.js";
import type { StepMetrics } from "../specs/metrics.js";
import type { TrainingMethod } from "../specs/trainers/methods.js";
import { trainerFor } from "../trainer/by-method.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { evaluate, type EvaluationReport } from "../world/evaluate.js";
import { openJobModel } from "../world/job-model.js";
import type { TrainJobConfig } from "../world/train-job.js";
import { Run } from "./run.js";
import { addTensorBoardVideo } from "./tensorboard.js";

/** Where `runTrainJob` writes, and how it is steered. */
export interface TrainJobRunOptions {
  /** The run directory: created (config.json, samples, metrics, LoRA, checkpoints, report), or continued with `resume`. */
  runDirectory: string;
  /** Continue the run in `runDirectory` from its last good checkpoint (give the job it recorded in config.json). */
  resume?: boolean;
  /** Stops training after the current step (its metrics, LoRA and checkpoint are saved); `runTrainJob` then resolves with a `stopped` event. */
  signal?: AbortSignal;
  /** Also write TensorBoard event files to this folder: scalars per step, the before/after samples. */
  tensorboardDirectory?: string;
  /** Receives every event as it happens. */
  onEvent?: (event: TrainJobEvent) => void;
}

/** The judge's measures on one set of samples: the share of the prompted digit and direction, and each reward's mean. */
export interface JudgeSummary {
  samples: number;
  digitAccuracy: number;
  directionAccuracy: number;
  rewards: Record<string, number>;
}

/** The reward's mean over the first `window` steps and over the last `window` steps. */
export interface RewardChange {
  window: number;
  first: number;
  last: number;
}

/** Training stopped by `signal`: the run holds the metrics, LoRA and checkpoint of `step`; continue it with `resume`. */
export interface TrainJobStopped {
  type: "stopped";
  step: number;
  totalSteps: number;
  runDirectory: string;
}

/** The run finished: where its LoRA, metrics and report are, the reward's change and the judge before and after. */
export interface TrainJobDone {
  type: "done";
  runDirectory: string;
  loraPath: string | null;
  /** metrics.jsonl in the run directory. */
  metrics: string;
  /** The run's report.html. */
  report: string;
  reward: RewardChange;
  judge?: { before?: JudgeSummary; after: JudgeSummary };
}

/**
 * What `runTrainJob` reports, in order. `note` and `warning` are lines for people; `work-start`,
 * `work-progress` and `work-end` frame long work (loading the model, sampling, training) that a
 * program may show as progress; the others carry results.
 */
export type TrainJobEvent =
  | { type: "note"; text: string }
  | { type: "warning"; text: string }
  | { type: "work-start"; label: string; total: number; start?: number; elapsedOnly?: boolean }
  | { type: "work-progress"; label: string; done: number; seconds?: number }
  | { type: "work-end"; label: string }
  | { type: "sample"; label: "before" | "after"; index: number; reward: number | undefined; path: string }
  | { type: "training"; steps: number; totalSteps: number; method: TrainingMethod; reward: string; prompts: number }
  | { type: "step"; metrics: StepMetrics; totalSteps: number }
  | { type: "fitted"; loraPath: string | null; earlyStop?: EarlyStopRecord }
  | { type: "reward-change"; change: RewardChange }
  | { type: "judge"; before: JudgeSummary; after: JudgeSummary; falls: MeasureFall[]; reward: string }
  | TrainJobStopped
  | TrainJobDone;

/**
 * Runs a training job (`TrainJobConfig`: `TINY_TRAIN_JOB`, `worldTrainJob(task)` or a job file,
 * parsed) as `vader train` does, reporting each event to `onEvent`; resolves to the last event,
 * `done` or `stopped`.
 *
 * ```ts
 * await using bridge = await Bridge.start();
 * const end = await runTrainJob(bridge, TrainJobConfig.parse({ ...TINY_TRAIN_JOB, steps: 2 }), { runDirectory: "runs/tiny" });
 * ```
 */
export async function runTrainJob(bridge: BridgeClient, job: TrainJobConfig, options: TrainJobRunOptions): Promise<TrainJobDone | TrainJobStopped> {
  const { runDirectory, resume = false, signal, tensorboardDirectory: tensorboard, onEvent = () => undefined } = options;
  const note = (text: string) => onEvent({ type: "note", text });
  const work = async <T>(label: string, total: number, run: (progress: (done: number, seconds?: number) => void) => Promise<T>, extra: { start?: number; elapsedOnly?: boolean } = {}): Promise<T> => {
    onEvent({ type: "work-start", label, total, ...extra });
    try {
      return await run((done, seconds) => onEvent({ type: "work-progress", label, done, ...(seconds !== undefined ? { seconds } : {}) }));
    } finally {
      onEvent({ type: "work-end", label });
    }
  };

  await using model = await work("loading model", 1, async (progress) => {
    const opened = await openJobModel(bridge, job.model);
    progress(1);
    return opened;
  }, { elapsedOnly: true });
  const { device, weightsDtype, adapterDtype } = model.info;
  note(`model: ${model.info.family} on ${device}, weights ${weightsDtype}, LoRA ${adapterDtype}`);
  for (const modelNote of model.info.notes) note(`note: ${modelNote}`);
  const prompts = job.prompts.length > 0 ? job.prompts : (await bridge.call("prompts.builtIn", {})).prompts;
  const reward = Reward.from(job.reward);
  // A sampler without a name is the model's own: name it, so the run records what ran.
  const scheduler = { name: model.info.defaultScheduler, ...job.trainer.scheduler };
  await using trainer = trainerFor(job.method, model, reward, { ...job.trainer, scheduler });
  // The device and dtypes are the ones the model actually got, not the ones asked for.
  const run = resume
    ? Run.open(bridge, runDirectory)
    : await Run.create(bridge, runDirectory, { ...job, prompts, trainer: trainer.config, placement: { device, weightsDtype, adapterDtype }, bridge: bridge.info });

  const preview = async (label: "before" | "after") => {
    const previewScheduler = Scheduler.from(job.preview.scheduler ?? job.trainer.scheduler);
    const sampling = { prompts: job.preview.prompts, seed: job.preview.seed, scheduler: previewScheduler, guidanceScale: job.trainer.guidanceScale };
    const videos = await work(`${label} samples`, job.preview.prompts.length, async (progress) => {
      const stream = model.sampleStream(sampling);
      for await (const batch of stream) progress(batch.done, batch.seconds);
      return stream.result;
    });
    const scores = await reward.score(bridge, videos, job.preview.prompts);
    for (let index = 0; index < job.preview.prompts.length; index++) {
      const path = await run.saveSample(`${label}-${index}`, videoAt(videos, index));
      onEvent({ type: "sample", label, index, reward: scores[index], path });
      if (tensorboard) await addTensorBoardVideo(bridge, tensorboard, `samples/${label}-${index}`, videoAt(videos, index), { step: label === "before" ? 0 : job.steps });
    }
  };

  const history: StepMetrics[] = [];
  let judgedBefore: JudgeSummary | undefined;
  if (resume) {
    const { step, warnings } = await trainer.resume(runDirectory);
    for (const warning of warnings) onEvent({ type: "warning", text: `warning: ${warning}` });
    const record = await Run.load(bridge, runDirectory);
    history.push(...record.metrics);
    judgedBefore = record.evaluation?.before as JudgeSummary | undefined;
    note(`resumed from the checkpoint of step ${step} of ${job.steps}`);
  } else {
    await preview("before");
    const before = await judge(model, job, prompts, reward);
    if (before) {
      judgedBefore = summary(before);
      await run.saveEvaluation({ before: judgedBefore }); // kept for a resumed run's comparison
    }
  }
  const remaining = job.steps - history.length;
  onEvent({ type: "training", steps: remaining, totalSteps: job.steps, method: job.method, reward: reward.toString(), prompts: prompts.length });
  const fitting = trainer.fit({ prompts, steps: Math.max(remaining, 0), runDirectory, ...(signal ? { signal } : {}), ...(job.saveEvery ? { saveEvery: job.saveEvery } : {}), ...(tensorboard ? { tensorboardDirectory: tensorboard } : {}), ...(job.earlyStop ? { earlyStop: job.earlyStop } : {}) });
  let loraPath: string | null = null;
  try {
    await work("training", job.steps, async () => {
      for await (const metrics of fitting) {
        history.push(metrics);
        onEvent({ type: "step", metrics, totalSteps: job.steps });
      }
    }, { start: history.length });
    const fitted = await fitting.result;
    loraPath = fitted.loraPath;
    onEvent({ type: "fitted", loraPath, ...(fitted.earlyStop ? { earlyStop: fitted.earlyStop } : {}) });
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    const stopped: TrainJobStopped = { type: "stopped", step: history.length, totalSteps: job.steps, runDirectory };
    onEvent(stopped);
    return stopped;
  }
  await preview("after");
  const after = await judge(model, job, prompts, reward);
  const judgedAfter = after ? summary(after) : undefined;

  const window = Math.min(3, history.length);
  const change = { window, first: mean(history.slice(0, window)), last: mean(history.slice(-window)) };
  onEvent({ type: "reward-change", change });
  if (judgedBefore && judgedAfter) {
    onEvent({ type: "judge", before: judgedBefore, after: judgedAfter, falls: measureFalls(judgedBefore, judgedAfter), reward: reward.toString() });
    await run.saveEvaluation({ before: judgedBefore, after: judgedAfter });
  }
  const report = writeRunReport(runDirectory);
  const done: TrainJobDone = { type: "done", runDirectory, loraPath, metrics: join(runDirectory, "metrics.jsonl"), report, reward: change, ...(judgedAfter ? { judge: { before: judgedBefore, after: judgedAfter } } : {}) };
  onEvent(done);
  return done;
}

/** The judge on the same seeds before and after: a reward that rises while the judge does not is being hacked. */
async function judge(model: Model, job: TrainJobConfig, prompts: string[], reward: Reward): Promise<EvaluationReport | undefined> {
  if (job.evaluation.samplesPerPrompt === 0) return undefined;
  return evaluate(model, {
    prompts,
    count: job.evaluation.samplesPerPrompt,
    seed: job.evaluation.seed,
    scheduler: Scheduler.from(job.trainer.scheduler),
    guidanceScale: job.trainer.guidanceScale,
    rewards: [reward],
  });
}

function summary(report: EvaluationReport): JudgeSummary {
  return { samples: report.judge.samples, digitAccuracy: report.judge.digitAccuracy, directionAccuracy: report.judge.directionAccuracy, rewards: report.rewards };
}

function mean(steps: StepMetrics[]): number {
  return steps.length === 0 ? Number.NaN : steps.reduce((sum, metrics) => sum + metrics.reward.mean, 0) / steps.length;
}
