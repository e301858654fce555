// A run directory, through its one owner (python-bridge/vader_bridge/run_directory.py):
// `Run.create` writes config.json, `saveSample` the GIFs, a trainer's fit the metrics and LoRA,
// and `Run.load` reads all of it back.
import type { Tensor } from "../specs/tensor.js";
import type { RunRecord } from "../specs/run-record.js";
import type { BridgeClient } from "../transport/bridge-client.js";

/** A run directory: config.json, metrics, LoRA, checkpoints, samples and evaluation, written and read by the bridge. */
export class Run {
  private constructor(
    readonly bridge: BridgeClient,
    /** Pass this as `runDirectory` to a trainer's fit. */
    readonly directory: string,
  ) {}

  /** Makes the folder if needed and records `config` (the resolved job) as config.json. */
  static async create(bridge: BridgeClient, directory: string, config: Record<string, unknown>): Promise<Run> {
    await bridge.call("run.save", { directory, config });
    return new Run(bridge, directory);
  }

  /** A run directory that already holds its config.json (a resumed run). */
  static open(bridge: BridgeClient, directory: string): Run {
    return new Run(bridge, directory);
  }

  /** Reads a run back: config, every step's metrics, the LoRA folder (null before the first save point) and the samples. */
  static async load(bridge: BridgeClient, directory: string): Promise<RunRecord> {
    return bridge.call("run.load", { directory });
  }

  /** Records the judge's verdict before and after training as evaluation.json; returns its path. */
  async saveEvaluation(evaluation: Record<string, unknown>): Promise<string> {
    return (await this.bridge.call("run.saveEvaluation", { directory: this.directory, evaluation })).path;
  }

  /** One video (uint8 [frames, height, width, 3]) as <name>.gif in the run directory; returns its path. */
  async saveSample(name: string, video: Tensor<"uint8">, options: { fps?: number } = {}): Promise<string> {
    return (await this.bridge.call("run.saveSample", { directory: this.directory, name, video, fps: options.fps ?? 8 })).path;
  }
}
