// Random and malformed frames thrown at the TypeScript decoders: they may refuse, never crash,
// hang, or allocate what a header merely claims; and the connection keeps serving afterwards.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Packr } from "msgpackr";
import { Router } from "zeromq";
import { describe, expect, it } from "vitest";
import { ProtocolError, PythonError } from "../../src/index.js";
import { BridgeConnection } from "../../src/transport/bridge-connection.js";
import { decodeFrames, decodeTensors, sign } from "../../src/transport/message-codec.js";

const key = randomBytes(32);
const packr = new Packr({ useRecords: false });

const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

const descriptor = fc.oneof(
  jsonish,
  fc.record({
    dtype: fc.constantFrom("float32", "float16", "int64", "uint8", "bool", "complex64", ""),
    shape: fc.array(fc.oneof(fc.integer({ min: -5, max: 2 ** 40 }), fc.double(), fc.constant(2 ** 53)), { maxLength: 20 }),
  }),
);

describe("decoder fuzz", () => {
  it("decodeFrames refuses random frames with ProtocolError only", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }), (frames) => {
        try {
          decodeFrames(key, frames.map((frame) => Buffer.from(frame)));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("decodeFrames survives correctly signed garbage headers", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        const header = Buffer.from(bytes);
        try {
          decodeFrames(key, [sign(key, header), header]);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("decodeTensors never trusts a descriptor's claimed size", () => {
    fc.assert(
      fc.property(fc.array(descriptor, { maxLength: 4 }), fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }), (descriptors, frames) => {
        try {
          const tensors = decodeTensors(descriptors, frames.map((frame) => Buffer.from(frame)));
          // Whatever was accepted is backed by the frame that arrived, nothing larger.
          tensors.forEach((tensor, index) => expect(tensor.byteLength).toBe(frames[index]?.length));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a connection fed malformed replies keeps serving its pending call", async () => {
    const endpoint = `ipc://${join(mkdtempSync(join(tmpdir(), "vader-fuzz-")), "peer.sock")}`;
    const fakePython = new Router({ linger: 0 });
    await fakePython.bind(endpoint);
    const connection = new BridgeConnection(endpoint, key, (method, envelope) => new PythonError(method, envelope));
    const { id, result } = connection.call("system.echo", { value: "survivor" });
    const [identity] = await fakePython.receive();

    const samples = fc.sample(
      fc.oneof(
        fc.array(fc.uint8Array({ maxLength: 48 }), { maxLength: 4 }).map((frames) => frames.map((frame) => Buffer.from(frame))),
        jsonish.map((header) => {
          const bytes = packr.pack(header);
          return [sign(key, bytes), bytes];
        }),
        fc.record({ id: fc.integer({ min: id + 1, max: id + 1000 }), seq: fc.integer({ min: 1, max: 10 }), shape: fc.array(fc.nat(), { maxLength: 3 }) }).map(({ id: replyId, seq, shape }) => {
          // A well-formed reply to a call nobody made, lying about its tensor frame.
          const bytes = packr.pack({ type: "reply", id: replyId, seq, status: "ok", result: { value: { __tensor__: 0 } }, tensors: [{ dtype: "float64", shape: [...shape, 2 ** 40] }] });
          return [sign(key, bytes), bytes, Buffer.alloc(8)];
        }),
      ),
      300,
    );
    for (const frames of samples) await fakePython.send([identity as Buffer, ...frames]);
    const reply = packr.pack({ type: "reply", id, seq: Number.MAX_SAFE_INTEGER, status: "ok", result: { value: "survivor" }, tensors: [] });
    await fakePython.send([identity as Buffer, sign(key, reply), reply]);
    await expect(result).resolves.toEqual({ value: "survivor" });
    expect(connection.droppedCount).toBeGreaterThan(250);
    connection.close(new Error("done"));
    fakePython.close();
  });

  it("a signed reply with a lying tensor frame rejects its call instead of leaving it pending", async () => {
    const endpoint = `ipc://${join(mkdtempSync(join(tmpdir(), "vader-fuzz-")), "peer.sock")}`;
    const fakePython = new Router({ linger: 0 });
    await fakePython.bind(endpoint);
    const connection = new BridgeConnection(endpoint, key, (method, envelope) => new PythonError(method, envelope));
    const { id, result } = connection.call("system.echo", { value: 1 });
    const [identity] = await fakePython.receive();
    const reply = packr.pack({ type: "reply", id, seq: 1, status: "ok", result: { value: { __tensor__: 0 } }, tensors: [{ dtype: "float32", shape: [2 ** 40] }] });
    await fakePython.send([identity as Buffer, sign(key, reply), reply, Buffer.alloc(16)]);
    await expect(result).rejects.toThrow(/declares float32\[1099511627776\].*frame has 16 bytes/);
    expect(connection.pendingCount).toBe(0);
    connection.close(new Error("done"));
    fakePython.close();
  });
});
