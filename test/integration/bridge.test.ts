// The real Python bridge on CPU: handshake, tensors through Python, errors with tracebacks, clean exit.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "../helpers.js";
import { Bridge, BridgeStartError, ConfigError, ERROR_CODES, Model, PythonError, Reward, Scheduler, Tensor } from "../../src/index.js";

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

describe("bridge", () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await Bridge.start({ sharedMemoryThreshold: 1 << 20 });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("handshakes and reports the Python side", () => {
    expect(bridge.info.protocolVersion).toBe(1);
    expect(bridge.info.versions.torch).toMatch(/^2\.13\.0/);
    // "cuda (<card>)" exactly when models go to CUDA by default: no test assumes the CPU.
    expect(bridge.info.device.split(" ")[0]).toBe(bridge.info.placement.device.split(":")[0]);
    expect(bridge.info.placement.adapterDtype).toBe("float32");
    expect(bridge.info.pid).toBe(bridge.pid);
  });

  it("sends tensors through Python and back bit-exactly", async () => {
    const float32 = new Float32Array([Number.NaN, -0, Number.POSITIVE_INFINITY, 1e-45, -1.5]);
    new Uint32Array(float32.buffer)[0] = 0x7fa00001; // signalling-NaN payload must survive numpy and torch
    const sent = {
      float32: new Tensor("float32", [5], float32),
      float16: new Tensor("float16", [4], new Uint16Array([0x7c00, 0x8000, 0x7e55, 0x3555])),
      bfloat16: new Tensor("bfloat16", [2, 2], new Uint16Array([0x3f80, 0xff80, 0x7fc1, 0x8000])),
      int64: new Tensor("int64", [3], new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n])),
      uint8: new Tensor("uint8", [2, 3], new Uint8Array([0, 1, 127, 128, 254, 255])),
      empty: new Tensor("float64", [0, 3], new Float64Array(0)),
    };
    const { value } = await bridge.call("system.echo", { value: sent });
    const back = value as Record<keyof typeof sent, Tensor>;
    for (const [name, tensor] of Object.entries(sent)) {
      const returned = back[name as keyof typeof sent];
      expect(returned.dtype, name).toBe(tensor.dtype);
      expect(returned.shape, name).toEqual(tensor.shape);
      expect(bytesOf(returned.data).equals(bytesOf(tensor.data)), name).toBe(true);
    }
  });

  it("moves large tensors through shared memory, bit-exactly, leaving no files behind", async () => {
    const data = new Float32Array(1 << 20); // 4 MiB: above this bridge's 1 MiB shared-memory threshold
    for (let index = 0; index < data.length; index++) data[index] = Math.sin(index) * 1e6;
    data[7] = Number.NaN;
    data[8] = -0;
    const sent = new Tensor("float32", [1024, 1024], data);
    const { value } = await bridge.call("system.echo", { value: [sent, sent] });
    for (const back of value as Tensor[]) {
      expect(back.shape).toEqual([1024, 1024]);
      expect(bytesOf(back.data).equals(bytesOf(data))).toBe(true);
    }
    const sharedMemoryFolders = readdirSync("/dev/shm").filter((name) => name.startsWith("vader-"));
    for (const folder of sharedMemoryFolders) expect(readdirSync(join("/dev/shm", folder))).toEqual([]);
  });

  it("carries a Python exception raised inside a reward, with its traceback", async () => {
    const video = new Tensor("uint8", [1, 2, 4, 4, 3], new Uint8Array(96).fill(100));
    const failing = Reward.named("testing-exception", { message: "the reward model exploded" });
    const error = await failing.score(bridge, video).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PythonError);
    const pythonError = error as PythonError;
    expect(pythonError.pythonName).toBe("RuntimeError");
    expect(pythonError.pythonMessage).toContain("the reward model exploded");
    expect(pythonError.code).toBe(ERROR_CODES.pythonException);
    expect(pythonError.traceback).toMatch(/Traceback \(most recent call last\)/);
    expect(pythonError.traceback).toMatch(/testing_exception\.py/);
    expect(pythonError.stack).toContain("Python traceback:");
    // The bridge keeps serving after a failed call.
    const scores = await Reward.named("brightness").score(bridge, video);
    expect(scores[0]).toBeCloseTo(100 / 255, 2);
  });

  it("names the known rewards when asked for an unknown one", async () => {
    const video = new Tensor("uint8", [1, 1, 2, 2, 3], new Uint8Array(12));
    const error = (await Reward.named("aesthetic-v9").score(bridge, video).catch((caught: unknown) => caught)) as PythonError;
    expect(error.code).toBe(ERROR_CODES.invalidArgument);
    expect(error.pythonMessage).toMatch(/aesthetic-v9.*brightness.*contrast/);
  });

  it("validates params in TypeScript before they leave", async () => {
    await expect(Model.tiny(bridge, { frames: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(Model.tiny(bridge, { height: 30 })).rejects.toThrow(/height must be a multiple of 4/);
    await expect(bridge.call("model.create", { source: { kind: "tiny" }, device: "gpu" })).rejects.toThrow(/device must be "auto", "cpu"/);
  });

  it("answers params that only Python can check with a ConfigError naming the field", async () => {
    // A family's own options travel as a record and are checked against its schema in Python.
    const error = await bridge.call("model.create", { source: { kind: "tiny", options: { height: 30, frames: 0 } } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.issues).toEqual(["source.options.frames must be at least 1 (got 0)", "source.options.height must be a multiple of 4 (got 30)"]);
    expect(configError.message).toMatch(/^Invalid params for model.create \(checked in Python\):/);
    expect((configError.cause as PythonError).traceback).toMatch(/configs\.py/);
  });

  it("bounds scheduler steps by the model's noise schedule (1000 steps with steps_offset 1 would index past it)", async () => {
    await using model = await Model.tiny(bridge, { frames: 2, height: 16, width: 16 });
    const error = await model.sample({ prompts: ["a dog"], scheduler: Scheduler.ddim({ steps: 1000 }) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([expect.stringMatching(/^scheduler\.steps must be at most 999 for this model's noise schedule \(got 1000\)/)]);
  });

  it("answers an unknown handle with a typed error", async () => {
    const error = (await bridge.call("model.fingerprint", { handle: "model-999" }).catch((caught: unknown) => caught)) as PythonError;
    expect(error.code).toBe(ERROR_CODES.unknownHandle);
  });
});

describe("bridge lifecycle", () => {
  it("close() leaves no Python process behind, and later calls fail fast", async () => {
    const bridge = await Bridge.start();
    const pid = bridge.pid as number;
    expect(isAlive(pid)).toBe(true);
    await bridge.close();
    expect(isAlive(pid)).toBe(false);
    await expect(bridge.call("system.echo", { value: 1 })).rejects.toThrow(/bridge closed/);
    await bridge.close(); // idempotent
  });

  it("sends large tensors as raw frames when shared memory is off", async () => {
    await using bridge = await Bridge.start({ sharedMemoryThreshold: false });
    const data = Uint8Array.from({ length: 3 << 20 }, (_, index) => index % 251);
    const { value } = await bridge.call("system.echo", { value: new Tensor("uint8", [data.length], data) });
    expect(bytesOf((value as Tensor).data).equals(bytesOf(data))).toBe(true);
  });

  it("explains a missing interpreter and how to fix it", async () => {
    const error = await Bridge.start({ python: "/nonexistent/python3" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BridgeStartError);
    expect((error as BridgeStartError).message).toMatch(/does not exist[\s\S]*Fix: run `npm install`/);
  });
});
