// `vader sample`: generate a video, optionally with a trained LoRA.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { Model } from "../model/model.js";
import { saveVideo, videoAt } from "../model/video.js";
import { Bridge } from "../bridge.js";
import { ConfigError } from "../errors.js";
import { Run } from "../run/run.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { DEFAULT_TRAIN_JOB, TrainJobConfig } from "./train-job.js";

interface SampleArguments {
  prompt: string;
  out: string;
  lora?: string;
  model?: string;
  seed: number;
  steps?: number;
}

/** The model and scheduler a run was trained with (so its LoRA lands on the same base weights) and its LoRA folder; else the default job's. */
async function jobFor(bridge: BridgeClient, lora: string | undefined): Promise<{ job: TrainJobConfig; loraDirectory?: string }> {
  // A run directory holds its LoRA in lora/ beside config.json; a plain LoRA folder holds the files directly.
  const run = lora && !existsSync(join(lora, "adapter_config.json")) ? await Run.load(bridge, lora) : undefined;
  const recorded = run?.config ? { model: run.config.model, trainer: run.config.trainer } : undefined;
  const parsed = TrainJobConfig.safeParse(recorded ?? DEFAULT_TRAIN_JOB);
  if (!parsed.success) throw ConfigError.fromZod(recorded ? `run config in ${lora}` : "default job", parsed.error);
  return { job: parsed.data, loraDirectory: run ? (run.loraDirectory ?? undefined) : lora };
}

export async function sample(argv: SampleArguments, print: (line: string) => void = console.log): Promise<string> {
  await using bridge = await Bridge.start();
  const { job, loraDirectory } = await jobFor(bridge, argv.lora);
  if (argv.lora && !loraDirectory) throw new ConfigError("--lora", [`${argv.lora} holds no LoRA yet (no lora/ folder): train until a save point first`]);
  await using model = argv.model ? await Model.load(bridge, argv.model) : await Model.tiny(bridge, job.model);
  if (loraDirectory) await model.loadLora(loraDirectory);
  const scheduler = Scheduler.from(job.trainer.scheduler);
  const video = await model.sample({
    prompts: [argv.prompt],
    seed: argv.seed,
    scheduler: argv.steps === undefined ? scheduler : scheduler.withSteps(argv.steps),
  });
  const path = await saveVideo(bridge, videoAt(video, 0), argv.out);
  const [, frames, height, width] = video.shape;
  print(`wrote ${path} (${frames} frames of ${width}x${height}${argv.lora ? `, LoRA from ${argv.lora}` : ""})`);
  return path;
}

export const sampleCommand: CommandModule<object, SampleArguments> = {
  command: "sample",
  describe: "Generate a video from a prompt (GIF)",
  builder: (yargs: Argv) =>
    yargs
      .option("prompt", { type: "string", demandOption: true, describe: "text prompt" })
      .option("out", { type: "string", default: "sample.gif", describe: "output file (.gif)" })
      .option("lora", { type: "string", describe: "run directory (or LoRA folder) whose weights to apply" })
      .option("model", { type: "string", describe: "model folder saved with Model.save (default: the embedded tiny model)" })
      .option("seed", { type: "number", default: 0, describe: "sampling seed" })
      .option("steps", { type: "number", describe: "denoising steps (default: the run's, or 10)" }) as unknown as Argv<SampleArguments>,
  handler: async (argv: ArgumentsCamelCase<SampleArguments>) => {
    await sample(argv);
  },
};
