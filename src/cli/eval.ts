// `vader eval`: sample N videos per prompt and report the digit world's judge and reward means.
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { Bridge } from "../bridge.js";
import { ConfigError } from "../errors.js";
import { saveVideoGrid, videoAt } from "../model/video.js";
import { Tensor } from "../specs/tensor.js";
import { Reward } from "../reward/reward.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { evaluate, type EvaluationReport } from "../world/evaluate.js";
import { worldPrompts } from "../world/judge.js";
import { WORLD_BASE_DIRECTORY, WORLD_SAMPLING } from "../world/world-defaults.js";
import { checkRewardNames, existingFolder, existingLora, MODEL_FOLDER, readTextFile, writableFolder } from "./inputs.js";
import { loraAt, promptsFromText } from "./job-model.js";
import { openJobModel } from "../world/job-model.js";
import { createOutput, outputOf, withSpinner, type Printer } from "./output.js";
import { JobModel } from "../world/train-job.js";
import type { RunRecord } from "../specs/run-record.js";

interface EvalArguments {
  model?: string;
  lora?: string;
  prompts?: string;
  split: "train" | "test" | "all";
  count: number;
  seed: number;
  steps: number;
  eta: number;
  guidance: number;
  rewards: string;
  /** A file to write the report to; given bare (""), JSON events on stdout instead. */
  json?: string;
  grid?: string;
  quiet?: boolean;
}

/** --model, else the model a run was trained on (its folder and frame size), else the world's base. */
function modelToJudge(folder: string | undefined, run: RunRecord | undefined): JobModel {
  if (folder) return { directory: resolve(folder), device: "auto", precision: "auto" };
  const recorded = JobModel.safeParse(run?.config?.model);
  return recorded.success ? recorded.data : { directory: resolve(WORLD_BASE_DIRECTORY), device: "auto", precision: "auto" };
}

export async function evaluateCommandLine(argv: EvalArguments, printer: Printer = console.log): Promise<EvaluationReport> {
  const output = outputOf(printer);
  const print = (line: string) => output.result(line);
  const rewards = argv.rewards.split(",").map((name) => name.trim()).filter(Boolean).map((name) => Reward.named(name));
  for (const reward of rewards) checkRewardNames(reward.spec, "--rewards");
  if (argv.lora !== undefined) existingLora("--lora", argv.lora);
  if (argv.model !== undefined) existingFolder("--model", argv.model, MODEL_FOLDER);
  for (const [flag, path] of [["--grid", argv.grid], ["--json", argv.json]] as const) if (path) writableFolder(flag, dirname(resolve(path)));
  await using bridge = await Bridge.start();
  const prompts = argv.prompts ? promptsFromText(readTextFile("--prompts", argv.prompts, "a text file of prompts, one per line")) : await worldPrompts(bridge, argv.split);
  if (prompts.length === 0) throw new ConfigError("--prompts", [`${argv.prompts} lists no prompts (one per line)`]);
  const lora = argv.lora ? await loraAt(bridge, argv.lora) : undefined;
  await using model = await withSpinner(output, "loading model", () => openJobModel(bridge, modelToJudge(argv.model, lora?.run)));
  if (lora) await model.loadLora(lora.loraDirectory);
  const report = await withSpinner(output, `sampling and judging ${prompts.length * argv.count} videos`, () => evaluate(model, {
    prompts,
    count: argv.count,
    seed: argv.seed,
    scheduler: Scheduler.ddim({ steps: argv.steps, eta: argv.eta }),
    guidanceScale: argv.guidance,
    rewards,
  }));
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  print(`${report.judge.samples} samples (${prompts.length} prompts x ${argv.count}), seed ${argv.seed}, DDIM ${argv.steps} steps eta ${argv.eta}, guidance ${argv.guidance}${argv.lora ? `, LoRA from ${argv.lora}` : ""}`);
  print(`judge: prompted digit ${percent(report.judge.digitAccuracy)} of frames, prompted direction ${percent(report.judge.directionAccuracy)} of clips`);
  for (const [name, value] of Object.entries(report.rewards)) print(`reward ${name}: mean ${value.toFixed(4)}`);
  if (argv.grid) {
    // One row per prompt (its first sample) keeps the picture readable.
    const firsts = prompts.map((_, index) => index * argv.count);
    const [, ...frameShape] = report.videos.shape;
    const frameSize = frameShape.reduce((product, dimension) => product * dimension, 1);
    const rows = new Uint8Array(firsts.length * frameSize);
    firsts.forEach((first, row) => rows.set(videoAt(report.videos, first).data, row * frameSize));
    const grid = await saveVideoGrid(bridge, new Tensor("uint8", [firsts.length, ...frameShape], rows), argv.grid, prompts);
    print(`wrote ${grid}`);
    output.event("file", { kind: "grid", path: grid });
  }
  if (argv.json) {
    const { judge, rewards: means } = report;
    writeFileSync(argv.json, `${JSON.stringify({ prompts, count: argv.count, seed: argv.seed, judge, rewards: means }, null, 2)}\n`);
    print(`wrote ${argv.json}`);
  }
  output.event("done", { samples: report.judge.samples, prompts, count: argv.count, seed: argv.seed, judge: report.judge, rewards: report.rewards });
  return report;
}

export const evalCommand: CommandModule<object, EvalArguments> = {
  command: "eval",
  describe: "Sample videos per prompt and report the digit world's judge (prompted digit and direction) and reward means",
  builder: (yargs: Argv) =>
    yargs
      .option("model", { type: "string", describe: "model folder: Model.save or a diffusers pipeline folder (ModelScope text-to-video, Wan) (default: the digit world's base)" })
      .option("lora", { type: "string", describe: "run directory (or LoRA folder) whose weights to apply" })
      .option("prompts", { type: "string", describe: "text file of world captions, one per line (default: --split)" })
      .option("split", { choices: ["train", "test", "all"] as const, default: "train" as const, describe: "the world's prompt list to judge" })
      .option("count", { type: "number", default: 4, describe: "videos per prompt" })
      .option("seed", { type: "number", default: 0, describe: "sampling seed" })
      .option("steps", { type: "number", default: WORLD_SAMPLING.scheduler.steps, describe: "DDIM steps" })
      .option("eta", { type: "number", default: WORLD_SAMPLING.scheduler.eta, describe: "DDIM eta (0 deterministic, 1 DDPM-like)" })
      .option("guidance", { type: "number", default: WORLD_SAMPLING.guidanceScale, describe: "classifier-free guidance scale" })
      .option("rewards", { type: "string", default: "digit,motion", describe: "comma-separated rewards whose means to report" })
      .option("json", { type: "string", describe: "also write the report to this JSON file; bare --json: JSON events on stdout instead ({\"event\": \"done\", ...})" })
      .option("quiet", { type: "boolean", describe: "print only warnings and the final result" })
      .option("grid", { type: "string", describe: "also write one sample per prompt as a PNG (a row per prompt)" }) as unknown as Argv<EvalArguments>,
  handler: async (argv: ArgumentsCamelCase<EvalArguments>) => {
    await evaluateCommandLine(argv, createOutput(argv));
  },
};
