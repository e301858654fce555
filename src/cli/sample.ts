// `vader sample`: generate a video, optionally with a trained LoRA.
import { dirname, join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { saveVideo, videoAt } from "../model/video.js";
import { Bridge } from "../bridge.js";
import { ConfigError } from "../errors.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { existingFolder, LORA_FOLDER, MODEL_FOLDER, readTextFile, writableFolder } from "./inputs.js";
import { loraAt, openJobModel, promptsFromText } from "./job-model.js";
import { DEFAULT_TRAIN_JOB, TrainJobConfig } from "../world/train-job.js";

interface SampleArguments {
  prompt?: string;
  prompts?: string;
  count: number;
  out: string;
  lora?: string;
  model?: string;
  seed: number;
  steps?: number;
}

/** The model and scheduler a run was trained with (so its LoRA lands on the same base weights) and its LoRA folder; else the default job's. */
async function jobFor(bridge: BridgeClient, loraPath: string | undefined): Promise<{ job: TrainJobConfig; loraDirectory?: string }> {
  const lora = loraPath ? await loraAt(bridge, loraPath) : undefined;
  const recorded = lora?.run?.config ? { method: lora.run.config.method, model: lora.run.config.model, trainer: lora.run.config.trainer } : undefined;
  const parsed = TrainJobConfig.safeParse(recorded ?? DEFAULT_TRAIN_JOB);
  if (!parsed.success) throw ConfigError.fromZod(recorded ? `run config in ${loraPath}` : "default job", parsed.error);
  return { job: parsed.data, ...(lora ? { loraDirectory: lora.loraDirectory } : {}) };
}

function fileNameFor(prompt: string, index: number): string {
  const slug = prompt.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 48);
  return `${String(index).padStart(3, "0")}-${slug || "video"}.gif`;
}

/**
 * One prompt to one GIF (`--prompt P --out file.gif`), or a prompt list (`--prompts FILE --count N
 * --out DIR`) to N GIFs per prompt in DIR, all in one bridge with one model load. Returns the paths.
 */
export async function sample(argv: SampleArguments, print: (line: string) => void = console.log): Promise<string[]> {
  if ((argv.prompt === undefined) === (argv.prompts === undefined)) {
    throw new ConfigError("vader sample", ["give exactly one of --prompt TEXT (one video) or --prompts FILE (a list, with --count and --out DIR)"]);
  }
  const listed = argv.prompts !== undefined ? promptsFromText(readTextFile("--prompts", argv.prompts, "a text file of prompts, one per line")) : [argv.prompt as string];
  if (argv.lora !== undefined) existingFolder("--lora", argv.lora, LORA_FOLDER);
  if (argv.model !== undefined) existingFolder("--model", argv.model, MODEL_FOLDER);
  const single = argv.prompts === undefined && argv.count === 1;
  writableFolder("--out", single ? dirname(resolve(argv.out)) : argv.out);
  if (listed.length === 0) throw new ConfigError("--prompts", [`${argv.prompts} lists no prompts (one per line)`]);
  const prompts = listed.flatMap((prompt) => Array.from({ length: argv.count }, () => prompt));

  await using bridge = await Bridge.start();
  const { job, loraDirectory } = await jobFor(bridge, argv.lora);
  await using model = await openJobModel(bridge, argv.model ? { directory: resolve(argv.model), device: "auto", precision: "auto" } : job.model);
  if (loraDirectory) await model.loadLora(loraDirectory);
  const scheduler = Scheduler.from(job.trainer.scheduler);
  const video = await model.sample({
    prompts,
    seed: argv.seed,
    scheduler: argv.steps === undefined ? scheduler : scheduler.withSteps(argv.steps),
    guidanceScale: job.trainer.guidanceScale,
    batchSize: 16,
  });
  const paths: string[] = [];
  for (const [index, prompt] of prompts.entries()) {
    paths.push(await saveVideo(bridge, videoAt(video, index), single ? argv.out : join(argv.out, fileNameFor(prompt, index))));
  }
  const [, frames, height, width] = video.shape;
  print(`wrote ${single ? paths[0] : `${paths.length} videos to ${argv.out}`} (${frames} frames of ${width}x${height}${argv.lora ? `, LoRA from ${argv.lora}` : ""})`);
  return paths;
}

export const sampleCommand: CommandModule<object, SampleArguments> = {
  command: "sample",
  describe: "Generate videos from a prompt or a prompt list (GIF)",
  builder: (yargs: Argv) =>
    yargs
      .option("prompt", { type: "string", describe: "text prompt, e.g. \"digit 7 moving left\"" })
      .option("prompts", { type: "string", describe: "text file of prompts, one per line (then --out is a folder)" })
      .option("count", { type: "number", default: 1, describe: "videos per prompt" })
      .option("out", { type: "string", default: "sample.gif", describe: "output file (.gif), or folder with --prompts / --count > 1" })
      .option("lora", { type: "string", describe: "run directory (or LoRA folder) whose weights to apply" })
      .option("model", { type: "string", describe: "model folder in the ModelScope layout (default: the run's model, else the digit world's base)" })
      .option("seed", { type: "number", default: 0, describe: "sampling seed" })
      .option("steps", { type: "number", describe: "denoising steps (default: the run's)" }) as unknown as Argv<SampleArguments>,
  handler: async (argv: ArgumentsCamelCase<SampleArguments>) => {
    await sample(argv);
  },
};
