import { ConfigError } from "../errors.js";
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { RemoteHandle } from "../transport/remote-handle.js";
import { eventsNamed } from "../transport/stream-events.js";
import { FitOptions, VaderTrainerConfig, type FitOptionsInput, type StepMetrics, type VaderTrainerConfigInput } from "./vader-config.js";

export interface VaderTrainerOptions extends Omit<VaderTrainerConfigInput, "scheduler"> {
  model: Model;
  reward: Reward;
  scheduler?: Scheduler;
}

export interface FitResult {
  steps: number;
  last: StepMetrics | null;
  loraPath: string | null;
}

/** A fit in progress: iterate it for per-step metrics; `result` settles when Python finishes. */
export interface FitRun extends AsyncIterable<StepMetrics> {
  readonly result: Promise<FitResult>;
}

export const Trainer = {
  /** VADER: reward gradients backpropagated through the last K denoising steps into LoRA weights. */
  vader(options: VaderTrainerOptions): VaderTrainer {
    const { model, reward, scheduler, ...rest } = options;
    const parsed = VaderTrainerConfig.safeParse({ ...rest, ...(scheduler ? { scheduler: scheduler.config } : {}) });
    if (!parsed.success) throw ConfigError.fromZod("VADER trainer config", parsed.error);
    return new VaderTrainer(model, reward, parsed.data);
  },
};

class PythonTrainer extends RemoteHandle {
  static async create(model: Model, reward: Reward, config: VaderTrainerConfig): Promise<PythonTrainer> {
    const created = await model.bridge.call("trainer.vader", { model: model.handle, reward: reward.spec, config });
    model.updateInfo(created.model);
    return new PythonTrainer(model.bridge, created.handle);
  }
}

export class VaderTrainer implements AsyncDisposable {
  private remote: Promise<PythonTrainer> | undefined;

  constructor(
    readonly model: Model,
    readonly reward: Reward,
    /** The resolved config, every default filled in: what a run directory records. */
    readonly config: VaderTrainerConfig,
  ) {}

  /**
   * Trains for `steps` optimizer steps, streaming one StepMetrics per step. The LoRA and the
   * optimizer live on in Python, so a second fit continues where the first stopped. Aborting
   * `signal` stops at the next step boundary with that step's metrics and LoRA saved; the run
   * then rejects with AbortError.
   */
  fit(options: FitOptionsInput & { signal?: AbortSignal }): FitRun {
    const { signal, ...data } = options;
    const parsed = FitOptions.safeParse(data);
    if (!parsed.success) throw ConfigError.fromZod("fit options", parsed.error);
    this.remote ??= PythonTrainer.create(this.model, this.reward, this.config).catch((error: unknown) => {
      this.remote = undefined; // let a later fit try again
      throw error;
    });
    const stream = this.remote.then((remote) => this.model.bridge.stream("trainer.fit", { ...parsed.data, handle: remote.handle }, { signal }));
    const result = stream.then(({ result: fitted }) => fitted);
    result.catch(() => undefined); // observed through the iterator or `result`, whichever the caller uses
    const steps = eventsNamed(stream, "fit-delta");
    return { result, [Symbol.asyncIterator]: () => steps };
  }

  async dispose(): Promise<void> {
    const remote = this.remote;
    this.remote = undefined;
    if (remote) await (await remote.catch(() => undefined))?.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
