// Where a CLI verb's output goes, in one place. Four modes:
//   tty    stdout is a terminal: notes as lines, long work (model load, sampling, training steps,
//          each compare run) as progress bars (cli-progress) with its rate and time left
//   plain  stdout is a pipe or a file: the same notes, and one line per step or batch where a
//          bar would be (the lines `vader train` has always printed)
//   json   --json: one JSON event per line on stdout ({"event": "step", ...}), nothing else there;
//          human notes go to stderr (none with --quiet too)
//   quiet  --quiet: only warnings (stderr) and the final result lines
// The verbs take an Output, or a `print` callback (tests, older callers), which is plain mode.
import cliProgress from "cli-progress";
import type { Argv } from "yargs";
import type { Model, SampleOptionsInput } from "../model/model.js";
import type { Tensor } from "../specs/tensor.js";

export type OutputMode = "tty" | "plain" | "json" | "quiet";

export interface Progress {
  /**
   * `done` of the total units are finished. `line` is what plain mode prints for this update (a
   * bar shows `status` beside it instead).
   */
  update(done: number, detail?: { line?: string; status?: string }): void;
  /** Done with it: a bar is drawn a last time and left on screen. */
  stop(): void;
}

export interface Output {
  readonly mode: OutputMode;
  /** A note for people: what the job is doing and where things are. */
  line(text: string): void;
  /** Something the user should see even with --quiet or --json (on stderr there). */
  warn(text: string): void;
  /** A final result line: shown in every mode but json, where the "done" event carries it. */
  result(text: string): void;
  /** A machine-readable event: one JSON line `{"event": name, ...fields}` in json mode, nothing elsewhere. */
  event(name: string, fields?: Record<string, unknown>): void;
  /** Long work of `total` units (starting at `start`): a bar on a terminal, the updates' lines in plain mode. */
  progress(label: string, total: number, options?: ProgressOptions): Progress;
}

export interface ProgressOptions {
  /** Units already done (a resumed run). */
  start?: number;
  /** One piece of work without steps to count (a model load): the bar shows the time it has taken, no rate or time left. */
  elapsedOnly?: boolean;
}

/** What a verb accepts: an Output, or a callback that receives plain-mode lines. */
export type Printer = Output | ((line: string) => void);

export interface OutputFlags {
  json?: boolean | string;
  quiet?: boolean;
}

interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

const NO_PROGRESS: Progress = { update: () => undefined, stop: () => undefined };

/** Plain mode: every note and every progress line through `write`. */
export class PlainOutput implements Output {
  readonly mode = "plain";
  constructor(private readonly write: (text: string) => void) {}
  line(text: string): void {
    this.write(text);
  }
  warn(text: string): void {
    this.write(text);
  }
  result(text: string): void {
    this.write(text);
  }
  event(): void {}
  progress(): Progress {
    return { update: (_done, detail) => detail?.line !== undefined && this.write(detail.line), stop: () => undefined };
  }
}

/** --quiet: warnings to stderr, result lines to stdout, nothing else. */
export class QuietOutput implements Output {
  readonly mode = "quiet";
  constructor(private readonly streams: Streams) {}
  line(): void {}
  warn(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }
  result(text: string): void {
    this.streams.stdout.write(`${text}\n`);
  }
  event(): void {}
  progress(): Progress {
    return NO_PROGRESS;
  }
}

/** --json: events on stdout, one JSON object per line; notes (unless quiet) and warnings on stderr. */
export class JsonOutput implements Output {
  readonly mode = "json";
  constructor(
    private readonly streams: Streams,
    private readonly notes = true,
  ) {}
  line(text: string): void {
    if (this.notes) this.streams.stderr.write(`${text}\n`);
  }
  warn(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }
  result(text: string): void {
    this.line(text);
  }
  event(name: string, fields: Record<string, unknown> = {}): void {
    this.streams.stdout.write(`${JSON.stringify({ event: name, ...fields })}\n`);
  }
  progress(): Progress {
    return NO_PROGRESS;
  }
}

/** A terminal: notes above the bars, one bar per piece of long work (cli-progress). */
export class TtyOutput implements Output {
  readonly mode = "tty";
  private bars: cliProgress.MultiBar | undefined;
  private active = 0;

  constructor(private readonly stdout: NodeJS.WritableStream) {}

  line(text: string): void {
    if (this.bars) this.bars.log(`${text}\n`);
    else this.stdout.write(`${text}\n`);
  }
  warn(text: string): void {
    this.line(text);
  }
  result(text: string): void {
    this.line(text);
  }
  event(): void {}

  progress(label: string, total: number, options: ProgressOptions = {}): Progress {
    const start = options.start ?? 0;
    this.bars ??= new cliProgress.MultiBar(
      {
        stream: this.stdout,
        format: "{label} {bar} {value}/{total} | {rate} | {left} left | {status}",
        barsize: 24,
        hideCursor: true,
        autopadding: true,
        etaBuffer: 20,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    const bars = this.bars;
    const bar = bars.create(total, start, { label, rate: rateText(undefined), left: "?", status: "" }, options.elapsedOnly ? { format: "{label} {bar} {duration_formatted}" } : {});
    this.active++;
    const began = performance.now();
    let stopped = false;
    return {
      update: (done, detail) => {
        const seconds = (performance.now() - began) / 1000;
        const rate = done > start && seconds > 0 ? (done - start) / seconds : undefined;
        const left = rate === undefined ? "?" : secondsText((total - done) / rate);
        bar.update(done, { rate: rateText(rate), left, ...(detail?.status !== undefined ? { status: detail.status } : {}) });
      },
      stop: () => {
        if (stopped) return;
        stopped = true;
        this.active--;
        if (this.active === 0 && this.bars === bars) {
          bars.update(); // writes pending notes before the last drawing
          bars.stop();
          this.bars = undefined;
        }
      },
    };
  }
}

function rateText(perSecond: number | undefined): string {
  if (perSecond === undefined) return "- it/s";
  return perSecond >= 1 ? `${perSecond.toFixed(2)} it/s` : `${(1 / perSecond).toFixed(2)} s/it`;
}

/** 42s, 3m 05s, 1h 02m: time left at a glance. */
export function secondsText(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(whole / 3600)}h ${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")}m`;
}

/** The mode the flags and the terminal ask for. */
export function createOutput(flags: OutputFlags, streams: Streams = { stdout: process.stdout, stderr: process.stderr }): Output {
  if (flags.json === true || flags.json === "") return new JsonOutput(streams, !flags.quiet);
  if (flags.quiet) return new QuietOutput(streams);
  if (streams.stdout.isTTY === true) return new TtyOutput(streams.stdout);
  return new PlainOutput((text) => streams.stdout.write(`${text}\n`));
}

/** A verb's Output: the one given, or plain mode through a `print` callback. */
export function outputOf(printer: Printer): Output {
  return typeof printer === "function" ? new PlainOutput(printer) : printer;
}

/** --json and --quiet, for the verbs that stream results. */
export function withOutputFlags<T>(yargs: Argv<T>): Argv<T & { json?: boolean; quiet?: boolean }> {
  return yargs
    .option("json", { type: "boolean", describe: "one JSON event per line on stdout ({\"event\": \"step\", ...}); notes go to stderr" })
    .option("quiet", { type: "boolean", describe: "print only warnings and the final result" });
}

/** `work` with a bar of one unit on a terminal (a model load: no steps to count, the time it takes). */
export async function withSpinner<T>(output: Output, label: string, work: () => Promise<T>): Promise<T> {
  const progress = output.progress(label, 1, { elapsedOnly: true });
  try {
    const value = await work();
    progress.update(1);
    return value;
  } finally {
    progress.stop();
  }
}

/** `model.sample` with a bar per batch of prompts on a terminal. */
export async function sampleWithProgress(output: Output, model: Model, label: string, options: SampleOptionsInput): Promise<Tensor<"uint8">> {
  if (output.mode !== "tty") return model.sample(options);
  const sampling = model.sampleStream(options);
  const progress = output.progress(label, options.prompts.length);
  try {
    for await (const batch of sampling) progress.update(batch.done, { status: `${batch.seconds.toFixed(1)} s` });
    return await sampling.result;
  } finally {
    progress.stop();
  }
}
