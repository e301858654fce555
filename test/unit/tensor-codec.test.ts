import { randomBytes } from "node:crypto";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { ProtocolError, Tensor } from "../../src/index.js";
import { decodeFrames, decodeTensors, encodeMessage, insertTensors } from "../../src/transport/message-codec.js";

const key = randomBytes(32);

/** Encodes {params} through the real codec and decodes it again, as the receiving side would. */
function roundTrip(params: Record<string, unknown>): Record<string, unknown> {
  const frames = encodeMessage(key, { type: "request", id: 1, seq: 1, method: "system.echo" }, { params });
  // Copy each frame, as a socket would: nothing may share memory with the sender.
  const received = frames.map((frame) => Buffer.from(frame));
  const { header, tensorFrames } = decodeFrames(key, received);
  const { tensors: descriptors, params: body } = header as { tensors: unknown[]; params: unknown };
  return insertTensors(body, decodeTensors(descriptors, tensorFrames)) as Record<string, unknown>;
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

describe("tensor codec", () => {
  it("round-trips float32 bit-exactly, including NaN payloads, Inf and -0", () => {
    const values = new Float32Array([1, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 3.4028234663852886e38, 1.401298464324817e-45]);
    const bits = new Uint32Array(values.buffer);
    bits[5] = 0x7fc00123; // a NaN with a payload
    bits[6] = 0xffc00001; // a negative NaN
    const tensor = new Tensor("float32", [2, 4], values);
    const back = roundTrip({ x: tensor }).x as Tensor;
    expect(back).toBeInstanceOf(Tensor);
    expect(back.dtype).toBe("float32");
    expect(back.shape).toEqual([2, 4]);
    expect(bytesOf(back.data).equals(bytesOf(values))).toBe(true);
    expect(Object.is((back.data as Float32Array)[1], -0)).toBe(true);
  });

  it("round-trips float16 bits, int64 extremes and uint8", () => {
    const half = new Uint16Array([0x3c00, 0x8000, 0x7c00, 0xfc00, 0x7e01, 0x0001]); // 1, -0, Inf, -Inf, NaN payload, subnormal
    const int64 = new BigInt64Array([0n, -1n, 9223372036854775807n, -9223372036854775808n]);
    const uint8 = Uint8Array.from({ length: 256 }, (_, index) => index);
    const back = roundTrip({ half: new Tensor("float16", [6], half), int64: new Tensor("int64", [2, 2], int64), uint8: new Tensor("uint8", [256], uint8) });
    expect(bytesOf((back.half as Tensor).data).equals(bytesOf(half))).toBe(true);
    expect([...((back.int64 as Tensor).data as BigInt64Array)]).toEqual([...int64]);
    expect(bytesOf((back.uint8 as Tensor).data).equals(bytesOf(uint8))).toBe(true);
  });

  it("keeps tensors nested in arrays and objects in place", () => {
    const a = Tensor.float32([1, 2]);
    const b = new Tensor("int32", [0], new Int32Array(0));
    const back = roundTrip({ list: [a, { inner: b }], plain: 3 });
    expect(((back.list as unknown[])[0] as Tensor).data).toEqual(new Float32Array([1, 2]));
    expect((((back.list as unknown[])[1] as { inner: Tensor }).inner).shape).toEqual([0]);
    expect(back.plain).toBe(3);
  });

  it("copies a frame whose offset is misaligned for its dtype, and views it otherwise", () => {
    const raw = Buffer.alloc(4 * 3 + 1);
    const misaligned = raw.subarray(1);
    new Float32Array([1, 2, 3]).forEach((value, index) => misaligned.writeFloatLE(value, index * 4));
    const [tensor] = decodeTensors([{ dtype: "float32", shape: [3] }], [misaligned]);
    expect([...(tensor as Tensor).data as Float32Array]).toEqual([1, 2, 3]);
    const aligned = Buffer.from(new Float32Array([4, 5]).buffer);
    const [view] = decodeTensors([{ dtype: "float32", shape: [2] }], [aligned]);
    expect((view as Tensor).data.buffer).toBe(aligned.buffer);
  });

  it("refuses typed arrays outside a Tensor, so msgpackr's typed-array bug cannot reach the wire", () => {
    // The trap itself: msgpackr 2.1.3 does not round-trip a Float32Array.
    const packr = new Packr({ useRecords: false });
    const trapped = packr.unpack(packr.pack(new Float32Array([1.5, 2.5, 3.5])));
    expect(trapped instanceof Float32Array && [...trapped].join() === "1.5,2.5,3.5").toBe(false);
    // Our codec never hands it one.
    expect(() => roundTrip({ x: new Float32Array([1, 2, 3]) })).toThrow(/params\.x is a typed array.*wrap it in a Tensor/);
    expect(() => roundTrip({ nested: [{ y: Buffer.from("hi") }] })).toThrow(/params\.nested\[0\]\.y/);
  });

  it("refuses strings Python could not decode and nesting it could not unpack, naming the field", () => {
    expect(() => roundTrip({ prompts: ["ok", "cut emoji \ud83d"] })).toThrow(/params\.prompts\[1\] has a lone UTF-16 surrogate/);
    let deep: unknown = 1;
    for (let level = 0; level < 600; level++) deep = [deep];
    expect(() => roundTrip({ deep })).toThrow(/nested more than 512 levels/);
  });

  it("rejects frames that lie about their size, count or signature", () => {
    expect(() => decodeTensors([{ dtype: "float32", shape: [1_000_000_000, 1_000_000] }], [Buffer.alloc(8)])).toThrow(ProtocolError);
    expect(() => decodeTensors([{ dtype: "float32", shape: [2] }], [])).toThrow(/describes 1 tensors but 0/);
    expect(() => decodeTensors([{ dtype: "complex64", shape: [2] }], [Buffer.alloc(16)])).toThrow(/invalid descriptor/);
    const frames = encodeMessage(key, { type: "request", id: 1, seq: 1, method: "m" }, { params: {} });
    expect(() => decodeFrames(randomBytes(32), frames)).toThrow(/bad signature/);
    expect(() => decodeFrames(key, [Buffer.alloc(32)])).toThrow(/at least 2 frames/);
  });

  it("Tensor checks that data matches shape", () => {
    expect(() => new Tensor("float32", [2, 2], new Float32Array(3))).toThrow(/needs 4 elements but data has 3/);
  });
});
