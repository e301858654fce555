// VADER and the baselines side by side (docs/compare.md): from one loaded base model, each method
// trains its own named LoRA adapter per run on the same reward, prompts and budget of reward
// queries: every learning rate of its sweep on the first seed, then the rate its held-out
// validation samples chose on the other seeds. The base and every adapter then sample the same
// final videos, scored by the reward and the judge. Writes results.json, table.md and curves.png
// beside runs/<method>-lr<lr>-seed<seed>/; each finished run also leaves comparison-run.json there,
// so that a stopped comparison resumes without redoing it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ConfigError, VaderError } from "../errors.js";
import { videoAt } from "../model/video.js";
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import { writeComparisonReport, writeRunReport } from "../report/write-report.js";
import { Run } from "../run/run.js";
import { addTensorBoardVideo } from "../run/tensorboard.js";
import { CompareConfig, type CompareConfigInput } from "../specs/compare-config.js";
import { COMPARISON_RESULTS_VERSION, ComparisonResults, ComparisonRun, type SplitScores } from "../specs/comparison-results.js";
import type { StepMetrics } from "../specs/metrics.js";
import type { TrainingMethod } from "../specs/trainers/methods.js";
import { comparisonDefaults, METHOD_LABELS, methodConfig, queriesPerStep, trainerFor, type MethodConfig } from "../trainer/by-method.js";
import { curveOf } from "./curve.js";
import { scoreSamples } from "./final-samples.js";
import { learningRateLabel, learningRateSweep } from "./learning-rates.js";
import { plotComparison } from "./plot.js";
import { queriesToMatch } from "./queries-to-match.js";
import { chooseLearningRate, summarize } from "./summary.js";
import { comparisonTable } from "./table.js";

/** A comparison's config (methods, budget, seeds, learning rates, ...) plus where it writes and how it reports. */
export interface CompareOptions extends CompareConfigInput {
  /** The comparison's folder: results.json, table.md, curves.png and runs/. */
  out: string;
  /** One line per step (unless onStep is given) and per finished run. */
  onProgress?: (line: string) => void;
  /** Each step of each run, in place of onProgress's step line (a CLI draws a bar per run); `runStepLine` makes that line. */
  onStep?: (run: string, metrics: StepMetrics, steps: number) => void;
  /** Folder for TensorBoard logs: each run writes its scalars and final samples in <folder>/<run name>. */
  tensorboardDirectory?: string;
  /** Stops at the next step boundary (the run in progress keeps its metrics and LoRA); compare then rejects with AbortError. */
  signal?: AbortSignal;
  /** More fields for every run's config.json (the CLI records the job's model, so that `vader sample --lora RUN` reopens it). */
  runRecord?: Record<string, unknown>;
  /**
   * Continue a comparison in `out`: runs that finished (their comparison-run.json) are read back,
   * not trained again; a run that was stopped part-way starts over.
   */
  resume?: boolean;
}

/** What a finished run leaves in its directory for `resume`. */
export const COMPARISON_RUN_FILE = "comparison-run.json";

interface MethodPlan {
  method: TrainingMethod;
  config: MethodConfig;
  sweep: number[];
  steps: number;
}

/** Each method's config, sweep and step count, checked before anything trains. */
function planOf(method: TrainingMethod, config: CompareConfig): MethodPlan {
  const resolved = methodConfig(method, { ...comparisonDefaults(method), ...config.trainer[method] }, `comparison trainer config of ${method} (trainer.${method})`);
  const perStep = queriesPerStep(method, resolved);
  const steps = Math.floor(config.budget / perStep);
  if (steps < 1) {
    throw new ConfigError("comparison config", [
      `budget must cover one step of every method (got ${config.budget} reward queries; one ${METHOD_LABELS[method]} step scores ${perStep} videos); raise the budget to at least ${perStep}`,
    ]);
  }
  return { method, config: resolved, sweep: config.learningRates[method] ?? learningRateSweep(resolved.lr, config.lrsPerMethod), steps };
}

/** The progress line of a run's step. */
export function runStepLine(name: string, metrics: StepMetrics, steps: number): string {
  return `${name} step ${metrics.step}/${steps}: ${metrics.rewardQueries} queries, reward ${metrics.reward.mean.toFixed(4)}`;
}

/**
 * VADER and the baselines side by side on one base model and reward, at the same budget of reward
 * queries: sweeps each method's learning rate, reruns the chosen one on the other seeds, scores
 * final samples with the reward and the judge, and writes results.json, table.md and curves.png to `out`.
 */
export async function compare(model: Model, reward: Reward, options: CompareOptions): Promise<ComparisonResults> {
  const { out, onProgress = () => undefined, onStep, tensorboardDirectory, signal, runRecord = {}, resume = false, ...input } = options;
  const parsed = CompareConfig.safeParse(input);
  if (!parsed.success) throw ConfigError.fromZod("comparison config", parsed.error);
  const config = parsed.data;
  const plans = config.methods.map((method) => planOf(method, config));
  const directory = resolve(out);
  mkdirSync(join(directory, "runs"), { recursive: true });
  const bridge = model.bridge;
  const { base: fingerprint } = await model.fingerprint();
  const validationSampling = { ...config.evaluation, ...config.validation };

  const scoreSplits = async (save?: Run, board?: { directory: string; step: number }): Promise<SplitScores> => {
    const train = await scoreSamples(model, reward, config.trainPrompts, config.evaluation);
    const test = config.testPrompts.length > 0 ? await scoreSamples(model, reward, config.testPrompts, config.evaluation) : null;
    if (save) {
      await save.saveSample("final-train-0", videoAt(train.videos, 0));
      if (test) await save.saveSample("final-test-0", videoAt(test.videos, 0));
    }
    if (board) {
      await addTensorBoardVideo(bridge, board.directory, "samples/final-train-0", videoAt(train.videos, 0), { step: board.step });
      if (test) await addTensorBoardVideo(bridge, board.directory, "samples/final-test-0", videoAt(test.videos, 0), { step: board.step });
    }
    return { train: train.score, test: test?.score ?? null };
  };

  await model.setAdapter(null);
  const baseScores = await scoreSplits();
  onProgress(`base: train reward ${baseScores.train.reward.toFixed(4)}${baseScores.test ? `, test reward ${baseScores.test.reward.toFixed(4)}` : ""}`);

  const runs: ComparisonRun[] = [];
  const runOne = async (plan: MethodPlan, lr: number, seed: number): Promise<ComparisonRun> => {
    const name = `${plan.method}-lr${learningRateLabel(lr)}-seed${seed}`;
    const adapter = `${plan.method}-lr${plan.sweep.indexOf(lr)}-seed${seed}`;
    const runDirectory = join(directory, "runs", name);
    const finished = join(runDirectory, COMPARISON_RUN_FILE);
    if (resume && existsSync(finished)) {
      onProgress(`${name}: finished earlier, read from ${relative(process.cwd(), finished)}`);
      return ComparisonRun.parse(JSON.parse(readFileSync(finished, "utf8")));
    }
    if (resume) rmSync(runDirectory, { recursive: true, force: true }); // stopped part-way: start it over
    await using trainer = trainerFor(plan.method, model, reward, { ...plan.config, lr, seed, adapter });
    const run = await Run.create(bridge, runDirectory, {
      ...runRecord,
      method: plan.method,
      reward: reward.spec,
      trainer: trainer.config,
      steps: plan.steps,
      budget: config.budget,
      prompts: config.trainPrompts,
      comparison: directory,
    });
    const history: StepMetrics[] = [];
    const board = tensorboardDirectory ? join(resolve(tensorboardDirectory), name) : undefined;
    const fitting = trainer.fit({ prompts: config.trainPrompts, steps: plan.steps, runDirectory, ...(signal ? { signal } : {}), ...(board ? { tensorboardDirectory: board } : {}) });
    for await (const metrics of fitting) {
      history.push(metrics);
      if (onStep) onStep(name, metrics, plan.steps);
      else onProgress(runStepLine(name, metrics, plan.steps));
    }
    await fitting.result;
    await model.setAdapter(adapter);
    const final = await scoreSplits(run, board ? { directory: board, step: history.length } : undefined);
    const validation = (await scoreSamples(model, reward, config.trainPrompts, validationSampling)).score;
    await run.saveEvaluation({ final, validation });
    const last = history[history.length - 1];
    const record = ComparisonRun.parse({
      method: plan.method,
      lr,
      seed,
      adapter,
      runDirectory: relative(directory, runDirectory),
      steps: history.length,
      rewardQueries: last?.rewardQueries ?? 0,
      trainer: trainer.config,
      curve: curveOf(history),
      final,
      validation,
      peakMemoryBytes: Math.max(0, ...history.map((metrics) => metrics.peakMemoryBytes)),
    } satisfies ComparisonRun);
    writeFileSync(finished, `${JSON.stringify(record, null, 2)}\n`);
    writeRunReport(runDirectory);
    onProgress(
      `${name}: final train reward ${final.train.reward.toFixed(4)}${final.test ? `, test reward ${final.test.reward.toFixed(4)}` : ""}, validation reward ${validation.reward.toFixed(4)}`,
    );
    return record;
  };

  const [firstSeed, ...otherSeeds] = config.seeds as [number, ...number[]];
  for (const plan of plans) {
    // The whole sweep on the first seed; the held-out validation samples choose the rate the other seeds run.
    const sweepRuns: ComparisonRun[] = [];
    for (const lr of plan.sweep) sweepRuns.push(await runOne(plan, lr, firstSeed));
    runs.push(...sweepRuns);
    const { lr: chosen } = chooseLearningRate(sweepRuns);
    if (plan.sweep.length > 1) onProgress(`${METHOD_LABELS[plan.method]}: lr ${learningRateLabel(chosen)} chosen on validation samples`);
    for (const seed of otherSeeds) runs.push(await runOne(plan, chosen, seed));
  }
  await model.setAdapter(null);
  if ((await model.fingerprint()).base !== fingerprint) {
    throw new VaderError("compare: the base weights changed during the comparison; a trainer trained more than its LoRA adapter");
  }

  const { handle: _handle, adapters: _adapters, activeAdapter: _active, ...modelDescription } = model.info;
  const summary = summarize(config.methods, runs, baseScores, reward.spec);
  const results = ComparisonResults.parse({
    version: COMPARISON_RESULTS_VERSION,
    createdAt: new Date().toISOString(),
    reward: reward.spec,
    rewardName: reward.toString(),
    base: { model: modelDescription, fingerprint },
    methods: config.methods,
    budget: config.budget,
    seeds: config.seeds,
    sweep: Object.fromEntries(plans.map((plan) => [plan.method, plan.sweep])),
    prompts: { train: config.trainPrompts, test: config.testPrompts },
    evaluation: config.evaluation,
    validation: config.validation,
    baseScores,
    runs,
    summary,
    queriesToMatch: config.methods.includes("vader") ? queriesToMatch(runs, summary) : null,
    files: { table: "table.md", plot: "curves.png" },
  } satisfies ComparisonResults);
  writeFileSync(join(directory, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(directory, results.files.table), comparisonTable(results));
  await plotComparison(bridge, results, join(directory, results.files.plot));
  writeComparisonReport(directory);
  return results;
}
