// `vader train`: fine-tune a model with VADER and leave a run directory behind.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { AbortError, ConfigError } from "../errors.js";
import { Bridge } from "../bridge.js";
import { Model } from "../model/model.js";
import { videoAt } from "../model/video.js";
import { Reward } from "../reward/reward.js";
import { Run } from "../run/run.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { VaderStepMetrics } from "../specs/metrics.js";
import { Trainer } from "../trainer/trainer.js";
import { formatStep, mean } from "./format.js";
import { DEFAULT_TRAIN_JOB, TrainJobConfig } from "./train-job.js";

interface TrainArguments {
  config?: string;
  name?: string;
  runsDir: string;
  steps?: number;
  lr?: number;
  seed?: number;
}

export function resolveTrainJob(argv: TrainArguments): TrainJobConfig {
  const fromFile = argv.config ? (JSON.parse(readFileSync(argv.config, "utf8")) as Record<string, unknown>) : {};
  const merged: Record<string, unknown> = { ...DEFAULT_TRAIN_JOB, ...fromFile };
  const trainer = { ...DEFAULT_TRAIN_JOB.trainer, ...(fromFile.trainer as object | undefined) } as Record<string, unknown>;
  if (argv.lr !== undefined) trainer.lr = argv.lr;
  if (argv.seed !== undefined) trainer.seed = argv.seed;
  merged.trainer = trainer;
  if (argv.steps !== undefined) merged.steps = argv.steps;
  const parsed = TrainJobConfig.safeParse(merged);
  if (!parsed.success) throw ConfigError.fromZod(argv.config ? `train job (${argv.config} + flags)` : "train job", parsed.error);
  return parsed.data;
}

function defaultRunName(): string {
  return `vader-${new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}`;
}

export async function train(argv: TrainArguments, print: (line: string) => void = console.log): Promise<string> {
  const job = resolveTrainJob(argv);
  const runDirectory = resolve(join(argv.runsDir, argv.name ?? defaultRunName()));
  print(`run directory: ${runDirectory}`);

  await using bridge = await Bridge.start();
  print(`bridge: Python ${bridge.info.python}, torch ${bridge.info.versions.torch}, device ${bridge.info.device}`);
  await using model = await Model.tiny(bridge, job.model);
  const { device, weightsDtype, adapterDtype } = model.info;
  print(`model: ${model.info.family} on ${device}, weights ${weightsDtype}, LoRA ${adapterDtype}`);
  for (const note of model.info.notes) print(`note: ${note}`);
  const prompts = job.prompts.length > 0 ? job.prompts : (await bridge.call("prompts.builtIn", {})).prompts;
  const reward = Reward.from(job.reward);
  await using trainer = Trainer.vader({ model, reward, ...job.trainer, scheduler: Scheduler.from(job.trainer.scheduler) });
  // The device and dtypes are the ones the model actually got, not the ones asked for.
  const run = await Run.create(bridge, runDirectory, {
    ...job,
    prompts,
    trainer: trainer.config,
    placement: { device, weightsDtype, adapterDtype },
    bridge: bridge.info,
  });

  const preview = async (label: string) => {
    const scheduler = Scheduler.from(job.preview.scheduler ?? job.trainer.scheduler);
    const videos = await model.sample({ prompts: job.preview.prompts, seed: job.preview.seed, scheduler });
    const scores = await reward.score(bridge, videos, job.preview.prompts);
    for (let index = 0; index < job.preview.prompts.length; index++) {
      const path = await run.saveSample(`${label}-${index}`, videoAt(videos, index));
      print(`${label} sample ${index}: reward ${scores[index]?.toFixed(4)}  ${path}`);
    }
  };

  await preview("before");
  print(`training: ${job.steps} steps of VADER, reward ${reward}, ${prompts.length} prompts (Ctrl-C stops after the current step and saves)`);
  const history: VaderStepMetrics[] = [];
  const stopping = new AbortController();
  const onInterrupt = () => {
    if (!stopping.signal.aborted) {
      print("Ctrl-C: stopping after the current step and saving; press Ctrl-C again to end Python at once");
      stopping.abort();
    } else {
      void bridge.kill();
    }
  };
  process.on("SIGINT", onInterrupt);
  const fitting = trainer.fit({ prompts, steps: job.steps, runDirectory, signal: stopping.signal, ...(job.saveEvery ? { saveEvery: job.saveEvery } : {}) });
  let loraPath: string | null = null;
  try {
    for await (const metrics of fitting) {
      history.push(metrics);
      print(formatStep(metrics, job.steps));
    }
    loraPath = (await fitting.result).loraPath;
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    print(`stopped after step ${history.length} of ${job.steps}: metrics and LoRA of that step are in ${runDirectory}`);
    process.exitCode = 130;
    return runDirectory;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  await preview("after");

  const window = Math.min(3, history.length);
  const first = mean(history.slice(0, window).map((metrics) => metrics.reward.mean));
  const last = mean(history.slice(-window).map((metrics) => metrics.reward.mean));
  print(`reward: first ${window} steps ${first.toFixed(4)} -> last ${window} steps ${last.toFixed(4)} (${last >= first ? "+" : ""}${(last - first).toFixed(4)})`);
  print(`LoRA weights: ${loraPath}`);
  print(`metrics: ${join(runDirectory, "metrics.jsonl")}`);
  return runDirectory;
}

export const trainCommand: CommandModule<object, TrainArguments> = {
  command: "train",
  describe: "Fine-tune the embedded tiny text-to-video model with VADER and write runs/<name>/",
  builder: (yargs: Argv) =>
    yargs
      .option("config", { type: "string", describe: "JSON file with job overrides (model, reward, trainer, steps, prompts, preview)" })
      .option("name", { type: "string", describe: "run name (default: vader-<timestamp>)" })
      .option("runs-dir", { type: "string", default: "runs", describe: "folder that holds run directories" })
      .option("steps", { type: "number", describe: "optimizer steps" })
      .option("lr", { type: "number", describe: "learning rate" })
      .option("seed", { type: "number", describe: "trainer seed" }) as unknown as Argv<TrainArguments>,
  handler: async (argv: ArgumentsCamelCase<TrainArguments>) => {
    await train(argv);
  },
};
