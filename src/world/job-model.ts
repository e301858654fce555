// Opens the model a job names: a model folder (the digit world's base by default) or a tiny
// random-weight model of a family.
import { Model } from "../model/model.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import type { JobModel } from "./train-job.js";

/** Loads a job's model (`TrainJobConfig.model`, `CompareJob.model`): `Model.load` for a folder, `Model.tiny` otherwise. */
export async function openJobModel(bridge: BridgeClient, model: JobModel): Promise<Model> {
  if ("directory" in model) {
    const { directory, ...options } = model;
    return Model.load(bridge, directory, options);
  }
  return Model.tiny(bridge, model);
}
