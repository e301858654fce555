// The bridge under stress: many calls in flight, cancellation, crashes, strangers on the socket.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Dealer } from "zeromq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "../helpers.js";
import { AbortError, Bridge, BridgeClosedError, BridgeStartError, Tensor } from "../../src/index.js";
import { encodeMessage } from "../../src/transport/message-codec.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";
import { resolvePython } from "../../src/transport/python-process.js";

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe("one bridge under load", () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await Bridge.start();
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("answers 1,000 concurrent calls, each matched to its caller", async () => {
    const results = await Promise.all(Array.from({ length: 1000 }, (_, index) => bridge.call("system.echo", { value: { index, tag: `call-${index}` } })));
    results.forEach((result, index) => expect(result.value).toEqual({ index, tag: `call-${index}` }));
  });

  it("mixes tensor and plain calls concurrently without crossing their frames", async () => {
    const calls = Array.from({ length: 50 }, (_, index) =>
      bridge.call("system.echo", { value: index % 2 ? Tensor.float32([index, -index]) : index }),
    );
    const results = await Promise.all(calls);
    results.forEach(({ value }, index) => {
      if (index % 2) expect([...(value as Tensor).data as Float32Array]).toEqual([index, -index]);
      else expect(value).toBe(index);
    });
  });

  it("cancels a long call on the control channel, which answers even while Python is busy", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = bridge.call("system.sleep", { seconds: 30 }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await bridge.ping()).toBeLessThan(1000); // main thread busy, control thread answers
    controller.abort();
    const error = await sleeping.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await bridge.call("system.echo", { value: "still serving" })).value).toBe("still serving");
  });

  it("rejects at once when the signal was already aborted", async () => {
    await expect(bridge.call("system.sleep", { seconds: 5 }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it("streams events as an AsyncIterable before the result", async () => {
    // Echo emits no events; the stream still ends and yields the result.
    const stream = bridge.stream("system.echo", { value: 1 });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events).toEqual([]);
    expect((await stream.result).value).toBe(1);
  });
});

describe("authentication", () => {
  it("keeps the socket private and ignores a client without the key", async () => {
    await using bridge = await Bridge.start();
    const socketPath = bridge.endpoint.replace(/^ipc:\/\//, "");
    expect(statSync(dirname(socketPath)).mode & 0o777).toBe(0o700);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);

    const stranger = new Dealer({ linger: 0, receiveTimeout: 700 });
    stranger.connect(bridge.endpoint);
    const header = { type: "request", id: 1, seq: 1, method: "system.echo" };
    await stranger.send(encodeMessage(randomBytes(32), header, { params: { value: "let me in" } })); // wrong key
    await stranger.send([Buffer.alloc(0), Buffer.from("not msgpack")]); // unsigned junk
    await expect(stranger.receive()).rejects.toThrow(); // no reply at all
    stranger.close();

    expect((await bridge.call("system.echo", { value: "owner" })).value).toBe("owner");
  });
});

describe("crashes", () => {
  it("rejects every pending call within 1 s of kill -9, with the signal and stderr", async () => {
    const bridge = await Bridge.start();
    const pending = [bridge.call("system.sleep", { seconds: 30 }), bridge.call("system.echo", { value: 1 })];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const killedAt = Date.now();
    process.kill(bridge.pid as number, "SIGKILL");
    const errors = await Promise.all(pending.map((call) => call.catch((caught: unknown) => caught)));
    expect(Date.now() - killedAt).toBeLessThan(1000);
    for (const error of errors) {
      expect(error).toBeInstanceOf(BridgeClosedError);
      expect((error as BridgeClosedError).signal).toBe("SIGKILL");
    }
    await expect(bridge.call("system.echo", { value: 2 })).rejects.toBeInstanceOf(BridgeClosedError);
    await bridge.close();
  });

  it("Python exits within 2 s when its Node parent is killed", async () => {
    const script = join(mkdtempSync(join(tmpdir(), "vader-orphan-")), "owner.mts");
    writeFileSync(
      script,
      `import { Bridge } from ${JSON.stringify(join(PACKAGE_ROOT, "src", "index.ts"))};\nconst bridge = await Bridge.start();\nconsole.log("PID " + bridge.pid);\nsetInterval(() => {}, 1000);\n`,
    );
    // node itself, not the tsx CLI (which would put a wrapper process between us and the owner).
    const owner = spawn(process.execPath, ["--import", "tsx", script], { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "inherit"] });
    const pythonPid = await new Promise<number>((resolve, reject) => {
      owner.stdout.on("data", (chunk: Buffer) => {
        const match = /PID (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      owner.once("exit", () => reject(new Error("owner exited before starting the bridge")));
    });
    expect(isAlive(pythonPid)).toBe(true);
    owner.kill("SIGKILL");
    const took = await waitUntil(() => !isAlive(pythonPid), 2000);
    expect(took).toBeLessThan(2000);
  });

  it("says when the interpreter is too old", async () => {
    const folder = mkdtempSync(join(tmpdir(), "vader-old-python-"));
    const oldPython = join(folder, "python");
    // Stands in for a Python 3.8: the bridge's first check prints this and exits.
    writeFileSync(oldPython, `#!/bin/sh\necho "vader_bridge requires Python 3.10 or newer, not 3.8.10" >&2\nexit 1\n`);
    chmodSync(oldPython, 0o755);
    const error = await Bridge.start({ python: oldPython }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BridgeStartError);
    expect((error as BridgeStartError).message).toMatch(/is too old for the bridge[\s\S]*Fix: use Python 3\.10 or newer/);
  });

  it("says which package is missing when the bridge cannot import", async () => {
    const folder = mkdtempSync(join(tmpdir(), "vader-bare-python-"));
    const barePython = join(folder, "python");
    // -S: no site-packages, so the bridge's own imports fail as on a bare interpreter.
    writeFileSync(barePython, `#!/bin/sh\nexec ${resolvePython()} -S "$@"\n`);
    chmodSync(barePython, 0o755);
    const error = await Bridge.start({ python: barePython }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BridgeStartError);
    expect((error as BridgeStartError).message).toMatch(/the Python package '(msgpack|zmq|numpy|torch)' is missing[\s\S]*Fix: run `npm install`/);
  });
});
