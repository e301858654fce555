// The CLI's output modes: which stream each kind of output reaches, and the bar on a (fake) terminal.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createOutput, JsonOutput, outputOf, PlainOutput, QuietOutput, secondsText, TtyOutput, withSpinner } from "../../src/cli/output.js";

/** A stream that keeps what is written; `tty` makes it look like a terminal of 120 columns. */
function capture(tty = false): Writable & { text: () => string; isTTY?: boolean; columns?: number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { text: () => string; isTTY?: boolean; columns?: number };
  stream.text = () => chunks.join("");
  if (tty) Object.assign(stream, { isTTY: true, columns: 120 });
  return stream;
}

/** Every kind of output once, as a verb would: a note, a warning, a progress of 2 steps, an event and a result. */
function exercise(output: ReturnType<typeof createOutput>): void {
  output.line("run directory: runs/x");
  output.warn("warning: a checkpoint was damaged");
  const steps = output.progress("training", 2);
  steps.update(1, { line: "step 1/2  reward 0.5000", status: "reward 0.5000" });
  steps.update(2, { line: "step 2/2  reward 0.6000", status: "reward 0.6000" });
  steps.stop();
  output.event("step", { step: 2, reward: { mean: 0.6, std: 0 } });
  output.result("LoRA weights: runs/x/lora/adapter_model.safetensors");
}

const plainLines = [
  "run directory: runs/x",
  "warning: a checkpoint was damaged",
  "step 1/2  reward 0.5000",
  "step 2/2  reward 0.6000",
  "LoRA weights: runs/x/lora/adapter_model.safetensors",
];

describe("output modes", () => {
  it("plain (stdout not a terminal): every line on stdout, as the verbs always printed; no events, no bar", () => {
    const stdout = capture();
    const stderr = capture();
    const output = createOutput({}, { stdout, stderr });
    expect(output).toBeInstanceOf(PlainOutput);
    exercise(output);
    expect(stdout.text()).toBe(plainLines.map((line) => `${line}\n`).join(""));
    expect(stderr.text()).toBe("");
  });

  it("a print callback is plain mode", () => {
    const lines: string[] = [];
    exercise(outputOf((line) => lines.push(line)));
    expect(lines).toEqual(plainLines);
  });

  it("json: only JSON events on stdout, one per line; notes and warnings on stderr", () => {
    const stdout = capture();
    const stderr = capture();
    const output = createOutput({ json: true }, { stdout, stderr });
    expect(output).toBeInstanceOf(JsonOutput);
    exercise(output);
    const events = stdout.text().trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(events).toEqual([{ event: "step", step: 2, reward: { mean: 0.6, std: 0 } }]);
    expect(stderr.text()).toBe("run directory: runs/x\nwarning: a checkpoint was damaged\nLoRA weights: runs/x/lora/adapter_model.safetensors\n");
  });

  it("json with --quiet: events on stdout, only warnings on stderr; eval's bare --json (\"\") is json too", () => {
    const stdout = capture();
    const stderr = capture();
    exercise(createOutput({ json: "", quiet: true }, { stdout, stderr }));
    expect(stdout.text().trimEnd().split("\n").map((line) => JSON.parse(line).event)).toEqual(["step"]);
    expect(stderr.text()).toBe("warning: a checkpoint was damaged\n");
  });

  it("quiet: the result lines on stdout, warnings on stderr, nothing else", () => {
    const stdout = capture(true); // quiet wins over a terminal
    const stderr = capture();
    const output = createOutput({ quiet: true }, { stdout, stderr });
    expect(output).toBeInstanceOf(QuietOutput);
    exercise(output);
    expect(stdout.text()).toBe("LoRA weights: runs/x/lora/adapter_model.safetensors\n");
    expect(stderr.text()).toBe("warning: a checkpoint was damaged\n");
  });

  it("tty: notes as lines, long work as a bar with its count, rate, time left and status; no per-step lines", () => {
    const stdout = capture(true);
    const stderr = capture();
    const output = createOutput({}, { stdout, stderr });
    expect(output).toBeInstanceOf(TtyOutput);
    exercise(output);
    const text = stdout.text();
    const visible = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
    expect(visible).toContain("run directory: runs/x\n");
    expect(visible).toContain("warning: a checkpoint was damaged\n");
    expect(visible).toMatch(/training [█░]+ 2\/2 \| [0-9.]+ (it\/s|s\/it) \| 0s left \| reward 0\.6000/);
    expect(visible).toContain("LoRA weights: runs/x/lora/adapter_model.safetensors\n");
    expect(visible).not.toContain("step 1/2  reward"); // the bar replaces the plain lines
    expect(text).toContain("\x1b[?25l"); // the cursor is hidden while the bar runs...
    expect(text).toContain("\x1b[?25h"); // ...and shown again
    expect(stderr.text()).toBe("");
  });

  it("tty: a note written while a bar runs lands above it, and a one-piece job shows its time", async () => {
    const stdout = capture(true);
    const output = new TtyOutput(stdout);
    const value = await withSpinner(output, "loading model", async () => {
      output.line("model: tiny on cpu");
      return 42;
    });
    expect(value).toBe(42);
    const visible = stdout.text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
    expect(visible).toContain("model: tiny on cpu\n");
    expect(visible).toMatch(/loading model █+ +\d+s/);
    output.line("after the bar");
    expect(stdout.text().endsWith("after the bar\n")).toBe(true);
  });

  it("tty: a bar of a resumed job starts at the steps already done", () => {
    const stdout = capture(true);
    const output = new TtyOutput(stdout);
    const steps = output.progress("training", 10, { start: 7 });
    steps.update(8, { status: "reward 0.1" });
    steps.stop();
    const visible = stdout.text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
    expect(visible).toMatch(/training [█░]+ 8\/10 \| [0-9.]+ (it\/s|s\/it) \| \d+s left \| reward 0\.1/);
  });

  it("writes time left in seconds, minutes or hours", () => {
    expect([secondsText(0), secondsText(42.4), secondsText(185), secondsText(3725)]).toEqual(["0s", "42s", "3m 05s", "1h 02m"]);
  });
});
