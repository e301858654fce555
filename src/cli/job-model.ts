// Opens the model a job names: a folder (the digit world's base by default) or a tiny model.
import { Model } from "../model/model.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import type { JobModel } from "./train-job.js";

export async function openJobModel(bridge: BridgeClient, model: JobModel): Promise<Model> {
  if ("directory" in model) {
    const { directory, ...options } = model;
    return Model.load(bridge, directory, options);
  }
  return Model.tiny(bridge, model);
}

/** Prompts from a text file: one per line, blank lines and lines starting with # skipped. */
export function promptsFromText(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
}
