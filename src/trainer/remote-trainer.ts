// One trainer handle for every algorithm: created in Python on the first fit, `fit` streams that
// algorithm's metrics, `dispose` frees it. Per-algorithm factories (trainer.ts) only validate a
// config and pick the metrics schema.
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import type { Model } from "../model/model.js";
import type { Reward } from "../reward/reward.js";
import type { EarlyStopRecord } from "../specs/early-stop.js";
import { FitOptions, type FitOptionsInput } from "../specs/fit-options.js";
import type { StepMetrics } from "../specs/metrics.js";
import { RemoteHandle } from "../transport/remote-handle.js";
import { eventsNamed } from "../transport/stream-events.js";

/** How a fit ended. */
export interface FitResult<Metrics extends StepMetrics = StepMetrics> {
  /** Optimizer steps this fit completed. */
  steps: number;
  /** The metrics of the last completed step, or null if none completed. */
  last: Metrics | null;
  /** The LoRA weights last saved in the run directory, or null (no `runDirectory`, or no step completed). */
  loraPath: string | null;
  /** With `earlyStop`: the held-out evaluations and the step whose LoRA the trainer kept. */
  earlyStop?: EarlyStopRecord;
}

/** A fit in progress: iterate it for per-step metrics; `result` settles when Python finishes. */
export interface FitRun<Metrics extends StepMetrics = StepMetrics> extends AsyncIterable<Metrics> {
  readonly result: Promise<FitResult<Metrics>>;
}

class PythonTrainer extends RemoteHandle {
  static async create(algorithm: string, model: Model, reward: Reward, config: Record<string, unknown>): Promise<PythonTrainer> {
    reward.callOptions(); // a TypeScript term without its function is refused before Python builds anything
    const created = await model.bridge.call("trainer.create", { algorithm, model: model.handle, reward: reward.spec, config });
    model.updateInfo(created.model);
    return new PythonTrainer(model.bridge, created.handle);
  }
}

/**
 * A trainer of any algorithm: a validated config, a model and a reward. Its Python object is made
 * on the first `fit` and lives on (LoRA, optimizer) until `dispose`.
 */
export class RemoteTrainer<Config extends Record<string, unknown>, Metrics extends StepMetrics> implements AsyncDisposable {
  private remote: Promise<PythonTrainer> | undefined;

  constructor(
    readonly algorithm: string,
    readonly model: Model,
    readonly reward: Reward,
    /** The resolved config, every default filled in: what a run directory records. */
    readonly config: Config,
    private readonly metrics: z.ZodType<Metrics>,
  ) {}

  /**
   * Trains for `steps` optimizer steps, streaming one metrics record per step. The LoRA and the
   * optimizer live on in Python, so a second fit continues where the first stopped. Aborting
   * `signal` stops at the next step boundary with that step's metrics and LoRA saved; the run
   * then rejects with AbortError.
   */
  fit(options: FitOptionsInput & { signal?: AbortSignal }): FitRun<Metrics> {
    const { signal, ...data } = options;
    const parsed = FitOptions.safeParse(data);
    if (!parsed.success) throw ConfigError.fromZod("fit options", parsed.error);
    // The reward's TypeScript terms answer Python's reward-requests while the fit waits on them.
    const stream = this.created().then((remote) =>
      this.model.bridge.stream("trainer.fit", { ...parsed.data, handle: remote.handle }, { signal, ...this.reward.callOptions() }),
    );
    const result = stream.then(async ({ result: fitted }) => {
      const { last, ...rest } = await fitted;
      return { ...rest, last: last === null ? null : this.metrics.parse(last) };
    });
    result.catch(() => undefined); // observed through the iterator or `result`, whichever the caller uses
    const steps = this.parsed(eventsNamed(stream, "fit-delta"));
    return { result, [Symbol.asyncIterator]: () => steps };
  }

  /**
   * Continues a run: loads the newest good checkpoint in `runDirectory` (written at each `saveEvery`
   * step and when a fit stops) into this trainer, which must be built from the run's own job. Returns
   * the step it holds; the next `fit` continues from there, bit for bit as if never interrupted (on
   * the CPU). Damaged or partial checkpoints are skipped, each named in `warnings`.
   */
  async resume(runDirectory: string): Promise<{ step: number; warnings: string[] }> {
    const remote = await this.created();
    return this.model.bridge.call("trainer.restore", { handle: remote.handle, runDirectory });
  }

  private created(): Promise<PythonTrainer> {
    this.remote ??= PythonTrainer.create(this.algorithm, this.model, this.reward, this.config).catch((error: unknown) => {
      this.remote = undefined; // let a later fit try again
      throw error;
    });
    return this.remote;
  }

  private async *parsed(steps: AsyncIterable<StepMetrics>): AsyncGenerator<Metrics> {
    for await (const step of steps) yield this.metrics.parse(step);
  }

  /** Frees the Python trainer (the model stays). Safe to call twice. */
  async dispose(): Promise<void> {
    const remote = this.remote;
    this.remote = undefined;
    if (remote) await (await remote.catch(() => undefined))?.dispose();
  }

  /** `await using` disposes the trainer at the end of the block, as `dispose` does. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
