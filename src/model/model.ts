import { z } from "zod";
import { ConfigError } from "../errors.js";
import type { SampleOptions } from "../protocol/methods.js";
import { IMPLEMENTATIONS } from "../specs/implementations.js";
import { ExpertOption, GeneratedSize, PlacementOptions, type ModelInfo } from "../specs/model-config.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { RemoteHandle } from "../transport/remote-handle.js";
import { eventsNamed } from "../transport/stream-events.js";
import type { Tensor } from "../specs/tensor.js";

const Placement = z.strictObject(PlacementOptions);
/** Where a model runs: `device` ("auto", "cpu", "cuda" or "cuda:N") and `precision` ("auto", "fp32", "fp16", "bf16"). */
export type PlacementInput = z.input<typeof Placement>;
const LoadOptions = z.strictObject({ ...PlacementOptions, ...GeneratedSize, ...ExpertOption });
/** Where a loaded model runs, optionally the video size to generate instead of the folder's own, and (Wan 2.2 A14B) the expert LoRA trains. */
export type LoadOptionsInput = z.input<typeof LoadOptions>;
type Families = typeof IMPLEMENTATIONS.model;
/** A tiny model's options: its family (default "text-to-video"), that family's own options, and where it runs. */
export type TinyModelOptionsInput = { family?: keyof Families } & z.input<Families[keyof Families]> & PlacementInput;
/** Options of `sample` and `sampleStream`: prompts, seed, guidance scale, batch size and a `Scheduler`. */
export type SampleOptionsInput = Omit<z.input<typeof SampleOptions>, "scheduler"> & { scheduler?: Scheduler };

/** The LoRA adapter that `loadLora` fills and trainers train unless told otherwise. */
export const DEFAULT_ADAPTER = "default";

/** A video diffusion model loaded in the bridge (any registered family; named LoRA adapters on its denoiser). */
export class Model extends RemoteHandle {
  private constructor(
    bridge: BridgeClient,
    private current: ModelInfo,
  ) {
    super(bridge, current.handle);
  }

  /** A tiny model with random weights built from a config: no download, seconds on a CPU. */
  static async tiny(bridge: BridgeClient, options: TinyModelOptionsInput = {}): Promise<Model> {
    const { family = "text-to-video", device, precision, ...familyOptions } = options;
    const schema = IMPLEMENTATIONS.model[family];
    const parsed = schema.safeParse(familyOptions);
    if (!parsed.success) throw ConfigError.fromZod(`${family} model options`, parsed.error);
    return new Model(bridge, await bridge.call("model.create", { source: { kind: "tiny", family, options: parsed.data }, device, precision }));
  }

  /**
   * Loads a model saved with `save` (or a diffusers checkpoint); its family is read from the folder.
   * `frames`, `height`, `width`: generate at another size than the folder's (ModelInfo.notes says so).
   * `expert`: on a two-expert Wan 2.2 A14B folder, the expert that carries LoRA ("low-noise" by default).
   */
  static async load(bridge: BridgeClient, directory: string, options: LoadOptionsInput = {}): Promise<Model> {
    const { device, precision, ...source } = options;
    return new Model(bridge, await bridge.call("model.create", { source: { kind: "directory", directory, ...source }, device, precision }));
  }

  get info(): ModelInfo {
    return this.current;
  }

  /** @internal Trainers refresh the info after they attach a LoRA. */
  updateInfo(info: ModelInfo): void {
    this.current = info;
  }

  /**
   * Writes the base weights to a folder that `Model.load` reads back. A model that carries LoRA
   * adapters is refused: save the base before adding them, and each adapter with `saveLora`.
   */
  async save(directory: string): Promise<void> {
    this.assertLive();
    await this.bridge.call("model.save", { handle: this.handle, directory });
  }

  /**
   * Writes a LoRA adapter (default: the active one) as adapter_model.safetensors +
   * adapter_config.json; returns the weights' path.
   */
  async saveLora(directory: string, options: { adapter?: string } = {}): Promise<string> {
    this.assertLive();
    return (await this.bridge.call("model.saveLora", { handle: this.handle, directory, ...options })).path;
  }

  /** Loads a LoRA into adapter `adapter` (default "default"; added if absent) and makes it the active one. */
  async loadLora(directory: string, options: { adapter?: string } = {}): Promise<void> {
    this.assertLive();
    this.current = await this.bridge.call("model.loadLora", { handle: this.handle, directory, ...options });
  }

  /** The adapter that sampling runs and training trains; `null` runs the base model (several methods can share one base). */
  async setAdapter(adapter: string | null): Promise<void> {
    this.assertLive();
    this.current = await this.bridge.call("model.setAdapter", { handle: this.handle, adapter });
  }

  /** SHA-256 digests of the base weights, of all LoRA weights and of each adapter: proof of what training changed. */
  async fingerprint(): Promise<{ base: string; lora: string | null; adapters: Record<string, string> }> {
    this.assertLive();
    return this.bridge.call("model.fingerprint", { handle: this.handle });
  }

  /** Generates videos: uint8 [prompts, frames, height, width, 3]. Same seed, same weights, same video. */
  async sample(options: SampleOptionsInput & { signal?: AbortSignal }): Promise<Tensor<"uint8">> {
    return this.sampleStream(options).result;
  }

  /**
   * Like `sample`, streaming one progress record per batch of `batchSize` prompts; aborting
   * `signal` stops between batches.
   */
  sampleStream(options: SampleOptionsInput & { signal?: AbortSignal }): SampleRun {
    this.assertLive();
    const { signal, scheduler, ...rest } = options;
    const stream = this.bridge.stream(
      "model.sample",
      { ...rest, scheduler: (scheduler ?? Scheduler.ddim()).config, handle: this.handle },
      { signal },
    );
    const progress = eventsNamed(stream, "sample-delta");
    const result = stream.result.then(({ video }) => {
      if (video.dtype !== "uint8") throw new TypeError(`model.sample returned ${video.dtype}, expected uint8`);
      return video as Tensor<"uint8">;
    });
    result.catch(() => undefined); // observed through the iterator or `result`, whichever the caller uses
    return { result, [Symbol.asyncIterator]: () => progress };
  }
}

export interface SampleProgress {
  done: number;
  total: number;
  seconds: number;
}

/** A sampling call in progress: iterate for per-batch progress; `result` holds the videos. */
export interface SampleRun extends AsyncIterable<SampleProgress> {
  readonly result: Promise<Tensor<"uint8">>;
}
