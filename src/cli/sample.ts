// `vader sample`: generate a video, optionally with a trained LoRA.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { Model } from "../model/model.js";
import { saveVideo, videoAt } from "../model/video.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { Bridge } from "../transport/bridge.js";
import { ConfigError } from "../errors.js";
import { DEFAULT_TRAIN_JOB, TrainJobConfig } from "./train-job.js";

interface SampleArguments {
  prompt: string;
  out: string;
  lora?: string;
  model?: string;
  seed: number;
  steps?: number;
}

/** A run directory holds its LoRA in lora/; a plain LoRA folder holds it directly. */
function loraFolder(path: string): string {
  return existsSync(join(path, "lora", "adapter_config.json")) ? join(path, "lora") : path;
}

/** The model and scheduler a run was trained with (so its LoRA lands on the same base weights), else the default job's. */
function jobFor(runDirectory: string | undefined): TrainJobConfig {
  const configPath = runDirectory && join(runDirectory, "config.json");
  const recorded = configPath && existsSync(configPath) ? (JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>) : undefined;
  const parsed = TrainJobConfig.safeParse(recorded ? { model: recorded.model, trainer: recorded.trainer } : DEFAULT_TRAIN_JOB);
  if (!parsed.success) throw ConfigError.fromZod(recorded ? `run config ${configPath}` : "default job", parsed.error);
  return parsed.data;
}

export async function sample(argv: SampleArguments, print: (line: string) => void = console.log): Promise<string> {
  const job = jobFor(argv.lora);
  await using bridge = await Bridge.start();
  await using model = argv.model ? await Model.load(bridge, argv.model) : await Model.tiny(bridge, job.model);
  if (argv.lora) await model.loadLora(loraFolder(argv.lora));
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
