import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProtocolError, Tensor } from "../../src/index.js";
import { decodeTensors } from "../../src/transport/message-codec.js";
import { SharedMemoryTransfer } from "../../src/transport/shared-memory.js";

describe("shared-memory transfer", () => {
  const transfer = SharedMemoryTransfer.create(16) as SharedMemoryTransfer;
  afterAll(() => transfer.dispose());

  it("lives in a private folder and round-trips bytes, deleting each file once read", () => {
    expect(statSync(transfer.directory).mode & 0o777).toBe(0o700);
    const bytes = Buffer.from(Float64Array.from([1, Number.NaN, -0, 1e300]).buffer);
    const name = transfer.write(bytes);
    expect(statSync(join(transfer.directory, name)).mode & 0o777).toBe(0o600);
    const [tensor] = decodeTensors([{ dtype: "float64", shape: [4], shm: name }], [Buffer.alloc(0)], transfer);
    expect(Buffer.from((tensor as Tensor).bytes()).equals(bytes)).toBe(true);
    expect(() => statSync(join(transfer.directory, name))).toThrow();
  });

  it("refuses names that leave the folder, files of the wrong size, and shm without a transfer", () => {
    expect(() => transfer.read("../etc-passwd", 8)).toThrow(ProtocolError);
    writeFileSync(join(transfer.directory, "short-file"), Buffer.alloc(4));
    expect(() => decodeTensors([{ dtype: "float32", shape: [1_000_000_000] }].map((d) => ({ ...d, shm: "short-file" })), [Buffer.alloc(0)], transfer)).toThrow(
      /has 4 bytes, the header declares 4000000000/,
    );
    expect(() => decodeTensors([{ dtype: "float32", shape: [1], shm: "whatever" }], [Buffer.alloc(0)])).toThrow(/has none/);
    const name = transfer.write(Buffer.alloc(4));
    expect(() => decodeTensors([{ dtype: "float32", shape: [1], shm: name }], [Buffer.alloc(4)], transfer)).toThrow(/frame is not empty/);
  });
});

describe("shared-memory files of messages nobody decodes", () => {
  it("are deleted, and only plain names inside the folder are touched", () => {
    const transfer = SharedMemoryTransfer.create(16) as SharedMemoryTransfer;
    try {
      const name = transfer.write(Buffer.alloc(32));
      transfer.discard([{ shm: name }, { shm: "../../etc/passwd" }, {}]);
      expect(() => statSync(join(transfer.directory, name))).toThrow();
    } finally {
      transfer.dispose();
    }
  });
});
