// `vader sample`: generate a video, optionally with a trained LoRA.
import { dirname, join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { saveVideo, videoAt } from "../model/video.js";
import { Bridge } from "../bridge.js";
import { ConfigError } from "../errors.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { existingFolder, existingLora, MODEL_FOLDER, readTextFile, writableFolder } from "./inputs.js";
import { loraAt, promptsFromText } from "./job-model.js";
import { openJobModel } from "../world/job-model.js";
import { createOutput, outputOf, sampleWithProgress, withOutputFlags, withSpinner, type Printer } from "./output.js";
import { DEFAULT_TRAIN_JOB, JobModel, TrainJobConfig } from "../world/train-job.js";

interface SampleArguments {
  prompt?: string;
  prompts?: string;
  count: number;
  out: string;
  lora?: string;
  model?: string;
  seed: number;
  steps?: number;
  eta?: number;
  guidance?: number;
  frames?: number;
  height?: number;
  width?: number;
  /** With --prompts or --count > 1: the files' format in the --out folder. */
  format?: "gif" | "mp4" | "npy";
  fps?: number;
  json?: boolean;
  quiet?: boolean;
}

const VIDEO_FORMATS = ["gif", "mp4", "npy"] as const;

/** The model and scheduler a run was trained with (so its LoRA lands on the same base weights) and its LoRA folder; else the default job's. */
async function jobFor(bridge: BridgeClient, loraPath: string | undefined): Promise<{ job: TrainJobConfig; loraDirectory?: string }> {
  const lora = loraPath ? await loraAt(bridge, loraPath) : undefined;
  const recorded = lora?.run?.config ? { method: lora.run.config.method, model: lora.run.config.model, trainer: lora.run.config.trainer } : undefined;
  const parsed = TrainJobConfig.safeParse(recorded ?? DEFAULT_TRAIN_JOB);
  if (!parsed.success) throw ConfigError.fromZod(recorded ? `run config in ${loraPath}` : "default job", parsed.error);
  return { job: parsed.data, ...(lora ? { loraDirectory: lora.loraDirectory } : {}) };
}

function fileNameFor(prompt: string, index: number, format: string): string {
  const slug = prompt.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 48);
  return `${String(index).padStart(3, "0")}-${slug || "video"}.${format}`;
}

/**
 * One prompt to one GIF (`--prompt P --out file.gif`), or a prompt list (`--prompts FILE --count N
 * --out DIR`) to N GIFs per prompt in DIR, all in one bridge with one model load. Returns the paths.
 */
export async function sample(argv: SampleArguments, printer: Printer = console.log): Promise<string[]> {
  const output = outputOf(printer);
  if ((argv.prompt === undefined) === (argv.prompts === undefined)) {
    throw new ConfigError("vader sample", ["give exactly one of --prompt TEXT (one video) or --prompts FILE (a list, with --count and --out DIR)"]);
  }
  const listed = argv.prompts !== undefined ? promptsFromText(readTextFile("--prompts", argv.prompts, "a text file of prompts, one per line")) : [argv.prompt as string];
  if (argv.lora !== undefined) existingLora("--lora", argv.lora);
  const modelFolder = argv.model !== undefined ? existingFolder("--model", argv.model, MODEL_FOLDER) : undefined;
  const single = argv.prompts === undefined && argv.count === 1;
  if (single && !VIDEO_FORMATS.some((format) => argv.out.toLowerCase().endsWith(`.${format}`))) {
    throw new ConfigError("--out", [`${argv.out} is not .gif, .mp4 or .npy; name the file x.gif (a looping GIF), x.mp4 (H.264) or x.npy (lossless uint8 [frames, H, W, 3])`]);
  }
  writableFolder("--out", single ? dirname(resolve(argv.out)) : argv.out);
  if (listed.length === 0) throw new ConfigError("--prompts", [`${argv.prompts} lists no prompts (one per line)`]);
  const prompts = listed.flatMap((prompt) => Array.from({ length: argv.count }, () => prompt));

  await using bridge = await Bridge.start();
  const { job, loraDirectory } = await jobFor(bridge, argv.lora);
  const size = Object.fromEntries(Object.entries({ frames: argv.frames, height: argv.height, width: argv.width }).filter(([, value]) => value !== undefined));
  const base = modelFolder ? { directory: modelFolder, device: "auto" as const, precision: "auto" as const } : job.model;
  const sized = JobModel.safeParse({ ...base, ...size });
  if (!sized.success) throw ConfigError.fromZod("model size (--frames, --height, --width)", sized.error);
  await using model = await withSpinner(output, "loading model", () => openJobModel(bridge, sized.data));
  if (loraDirectory) await model.loadLora(loraDirectory);
  // The run's sampler, deterministic unless --eta says otherwise: what the stock pipelines draw for a seed.
  const trained = Scheduler.from(job.trainer.scheduler).withEta(argv.eta ?? 0);
  const video = await sampleWithProgress(output, model, "sampling", {
    prompts,
    seed: argv.seed,
    scheduler: argv.steps === undefined ? trained : trained.withSteps(argv.steps),
    guidanceScale: argv.guidance ?? job.trainer.guidanceScale,
    batchSize: 16,
  });
  const paths: string[] = [];
  for (const [index, prompt] of prompts.entries()) {
    const path = single ? argv.out : join(argv.out, fileNameFor(prompt, index, argv.format ?? "gif"));
    paths.push(await saveVideo(bridge, videoAt(video, index), path, { fps: argv.fps ?? 8 }));
    output.event("video", { index, prompt, path: paths[paths.length - 1] });
  }
  const [, frames, height, width] = video.shape;
  output.result(`wrote ${single ? paths[0] : `${paths.length} videos to ${argv.out}`} (${frames} frames of ${width}x${height}${argv.lora ? `, LoRA from ${argv.lora}` : ""})`);
  output.event("done", { paths, frames, height, width, ...(argv.lora ? { lora: argv.lora } : {}) });
  return paths;
}

export const sampleCommand: CommandModule<object, SampleArguments> = {
  command: "sample",
  describe: "Generate videos from a prompt or a prompt list (GIF, H.264 MP4 or lossless .npy)",
  builder: (yargs: Argv) =>
    withOutputFlags(yargs)
      .option("prompt", { type: "string", describe: "text prompt, e.g. \"digit 7 moving left\"" })
      .option("prompts", { type: "string", describe: "text file of prompts, one per line (then --out is a folder)" })
      .option("count", { type: "number", default: 1, describe: "videos per prompt" })
      .option("out", { type: "string", default: "sample.gif", describe: "output file (.gif, .mp4, or .npy: lossless uint8 [frames, H, W, 3]), or folder with --prompts / --count > 1" })
      .option("format", { choices: VIDEO_FORMATS, describe: "with an --out folder: gif (default), mp4 or npy" })
      .option("fps", { type: "number", default: 8, describe: "frames per second of a GIF or MP4" })
      .option("lora", { type: "string", describe: "run directory (or LoRA folder) whose weights to apply" })
      .option("model", { type: "string", describe: "model folder: Model.save or a diffusers pipeline folder (ModelScope text-to-video, Wan) (default: the run's model, else the digit world's base)" })
      .option("seed", { type: "number", default: 0, describe: "sampling seed" })
      .option("steps", { type: "number", describe: "denoising steps (default: the run's)" })
      .option("eta", { type: "number", describe: "sampler stochasticity: 0 (default) is deterministic, as the stock diffusers pipelines sample; 1 is DDPM-like DDIM, or the flow SDE's noise level" })
      .option("guidance", { type: "number", describe: "classifier-free guidance scale (default: the run's)" })
      .option("frames", { type: "number", describe: "frames to generate (default: the model's)" })
      .option("height", { type: "number", describe: "frame height in pixels (default: the model's)" })
      .option("width", { type: "number", describe: "frame width in pixels (default: the model's)" }) as unknown as Argv<SampleArguments>,
  handler: async (argv: ArgumentsCamelCase<SampleArguments>) => {
    await sample(argv, createOutput(argv));
  },
};
