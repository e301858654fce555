// `vader score VIDEO...`: a reward (named, or composed in a JSON file) on video files, with each of
// its terms, so that a video can be checked by something other than the signal that trained it.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { Bridge } from "../bridge.js";
import { ConfigError } from "../errors.js";
import { readVideo } from "../model/video.js";
import { Reward } from "../reward/reward.js";
import { Tensor } from "../specs/tensor.js";
import { checkRewardNames, existingFile, jsonObjectFlag, readJsonFile, readTextFile } from "./inputs.js";
import { promptsFromText } from "./job-model.js";

export interface ScoreArguments {
  videos: string[];
  reward?: string;
  options?: string;
  rewardConfig?: string;
  prompt?: string;
  prompts?: string;
  json?: boolean;
}

/** One video's scores: the reward's total and each named term's own (unweighted) value. */
export interface VideoScore {
  file: string;
  reward: number;
  terms: Record<string, number>;
}

function rewardOf(argv: ScoreArguments): Reward {
  if ((argv.reward === undefined) === (argv.rewardConfig === undefined)) {
    throw new ConfigError("vader score", ["give exactly one of --reward NAME (with --options JSON) or --reward-config FILE (a reward spec, e.g. a sum)"]);
  }
  let reward: Reward;
  if (argv.rewardConfig !== undefined) {
    reward = Reward.from(readJsonFile("--reward-config", argv.rewardConfig, "a JSON reward spec ({kind: named|scaled|sum, ...})"));
  } else {
    reward = Reward.named(argv.reward as string, argv.options === undefined ? {} : jsonObjectFlag("--options", argv.options));
  }
  checkRewardNames(reward.spec, argv.rewardConfig !== undefined ? "--reward-config" : "--reward");
  return reward;
}

function promptsFor(argv: ScoreArguments): string[] {
  if (argv.prompt !== undefined && argv.prompts !== undefined) throw new ConfigError("vader score", ["give --prompt TEXT (every video) or --prompts FILE (one per video), not both"]);
  if (argv.prompts === undefined) return argv.videos.map(() => argv.prompt ?? "");
  const listed = promptsFromText(readTextFile("--prompts", argv.prompts, "a text file of prompts, one per video"));
  if (listed.length !== argv.videos.length) throw new ConfigError("--prompts", [`lists ${listed.length} prompts for ${argv.videos.length} videos; give one prompt per video, in order`]);
  return listed;
}

/** Scores each video file (one at a time: files may differ in size) and prints a line per video. */
export async function score(argv: ScoreArguments, print: (line: string) => void = console.log): Promise<VideoScore[]> {
  if (argv.videos.length === 0) throw new ConfigError("vader score", ["name at least one video file (.gif, .mp4 or .npy)"]);
  const reward = rewardOf(argv);
  const prompts = promptsFor(argv);
  for (const file of argv.videos) existingFile("VIDEO", file, "a video file (.gif, .mp4 or .npy)");
  await using bridge = await Bridge.start();
  const scores: VideoScore[] = [];
  for (const [index, file] of argv.videos.entries()) {
    const video = await readVideo(bridge, file);
    const batch = new Tensor("uint8", [1, ...video.shape], video.data);
    const prompt = prompts[index] ?? "";
    const { total, terms } = await reward.scoreTerms(bridge, batch, [prompt]);
    const result: VideoScore = { file, reward: total[0] ?? Number.NaN, terms: Object.fromEntries(terms.map((term) => [term.name, term.values[0] ?? Number.NaN])) };
    scores.push(result);
    if (argv.json) print(JSON.stringify(result));
    else {
      const parts = terms.map((term) => `${term.name} ${result.terms[term.name]?.toFixed(4)}${term.weight === 1 ? "" : ` x ${term.weight}`}`);
      print(`${file}: ${reward} = ${result.reward.toFixed(4)}${terms.length > 1 || terms[0]?.weight !== 1 ? ` (${parts.join(", ")})` : ""}`);
    }
  }
  return scores;
}

export const scoreCommand: CommandModule<object, ScoreArguments> = {
  command: "score <videos..>",
  describe: "Score video files (.gif, .npy) with a reward and each of its terms",
  builder: (yargs: Argv) =>
    yargs
      .positional("videos", { type: "string", array: true, describe: "video files: .gif, or .npy (uint8 [frames, H, W, 3])" })
      .option("reward", { type: "string", describe: "a registered reward's name (e.g. digit, motion, brightness)" })
      .option("options", { type: "string", describe: "the reward's options as JSON (e.g. '{\"digit\": 2}')" })
      .option("reward-config", { type: "string", describe: "a JSON reward spec (a sum, a scaling) in place of --reward" })
      .option("prompt", { type: "string", describe: "the prompt every video is scored against" })
      .option("prompts", { type: "string", describe: "a text file: one prompt per video, in order" })
      .option("json", { type: "boolean", describe: "one JSON object per line: {file, reward, terms}" }) as unknown as Argv<ScoreArguments>,
  handler: async (argv: ArgumentsCamelCase<ScoreArguments>) => {
    await score(argv);
  },
};
