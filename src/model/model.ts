import type { z } from "zod";
import type { ModelInfo, SampleOptions, TinyModelOptions } from "../protocol/methods.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { Bridge } from "../transport/bridge.js";
import { RemoteHandle } from "../transport/remote-handle.js";
import { eventsNamed } from "../transport/stream-events.js";
import type { Tensor } from "../transport/tensor.js";

export type TinyModelOptionsInput = z.input<typeof TinyModelOptions>;
export type SampleOptionsInput = Omit<z.input<typeof SampleOptions>, "scheduler"> & { scheduler?: Scheduler };

/** A text-to-video diffusion model loaded in the bridge (UNet3D + VAE + CLIP text encoder). */
export class Model extends RemoteHandle {
  private constructor(
    bridge: Bridge,
    private current: ModelInfo,
  ) {
    super(bridge, current.handle);
  }

  /** A tiny model with random weights built from a config: no download, seconds on a CPU. */
  static async tiny(bridge: Bridge, options: TinyModelOptionsInput = {}): Promise<Model> {
    return new Model(bridge, await bridge.call("model.tiny", options));
  }

  /** Loads a model saved with `save` (diffusers `save_pretrained` folders). */
  static async load(bridge: Bridge, directory: string): Promise<Model> {
    return new Model(bridge, await bridge.call("model.load", { directory }));
  }

  get info(): ModelInfo {
    return this.current;
  }

  /** @internal Trainers refresh the info after they attach a LoRA. */
  updateInfo(info: ModelInfo): void {
    this.current = info;
  }

  async save(directory: string): Promise<void> {
    this.assertLive();
    await this.bridge.call("model.save", { handle: this.handle, directory });
  }

  /** Writes the LoRA as adapter_model.safetensors + adapter_config.json; returns the weights' path. */
  async saveLora(directory: string): Promise<string> {
    this.assertLive();
    return (await this.bridge.call("model.saveLora", { handle: this.handle, directory })).path;
  }

  async loadLora(directory: string): Promise<void> {
    this.assertLive();
    this.current = await this.bridge.call("model.loadLora", { handle: this.handle, directory });
  }

  /** SHA-256 digests of the base weights and of the LoRA weights: proof of what training changed. */
  async fingerprint(): Promise<{ base: string; lora: string | null }> {
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
