// Turns a header plus tensors into ZeroMQ frames and back:
//   [signature, msgpack(header), tensor bytes 0, tensor bytes 1, ...]
// Tensors never go through msgpack: msgpackr 2.1.3 corrupts TypedArrays (and leaks stale bytes),
// so params may hold Tensor objects, which become {__tensor__: i} references to raw frames.
import { createHmac, timingSafeEqual } from "node:crypto";
import { Packr } from "msgpackr";
import { DtypeSchema, TENSOR_REFERENCE_KEY, type TensorDescriptor } from "../specs/envelope.js";
import { ProtocolError } from "../errors.js";
import type { SharedMemoryTransfer } from "./shared-memory.js";
import { DTYPE_INFO, Tensor, elementCount } from "../specs/tensor.js";

// useRecords: false, because Python's msgpack cannot read msgpackr's record extension.
const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, mapsAsObjects: true, int64AsType: "number" });

export const SIGNATURE_BYTES = 32;

export function sign(key: Buffer, header: Buffer): Buffer {
  return createHmac("sha256", key).update(header).digest();
}

export function signatureMatches(key: Buffer, header: Buffer, signature: Buffer): boolean {
  return signature.length === SIGNATURE_BYTES && timingSafeEqual(sign(key, header), signature);
}

/** Python's msgpack refuses deeper nesting; refusing it here names the field instead. */
const MAX_DEPTH = 512;

/**
 * Replaces each Tensor in `value` by a reference and collects it; refuses raw typed arrays,
 * strings Python cannot decode (lone surrogates, e.g. an emoji cut by slice()) and deep nesting.
 */
function extractTensors(value: unknown, tensors: Tensor[], path: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new ProtocolError(`${path} is nested more than ${MAX_DEPTH} levels deep`);
  if (typeof value === "string") {
    if (!value.isWellFormed()) throw new ProtocolError(`${path} has a lone UTF-16 surrogate (a character cut in half); use toWellFormed() or fix the slicing`);
    return value;
  }
  if (value instanceof Tensor) {
    tensors.push(value);
    return { [TENSOR_REFERENCE_KEY]: tensors.length - 1 };
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    throw new ProtocolError(`${path} is a typed array or buffer; wrap it in a Tensor so it travels as a raw frame`);
  }
  if (Array.isArray(value)) return value.map((item, index) => extractTensors(item, tensors, `${path}[${index}]`, depth + 1));
  if (value !== null && typeof value === "object") {
    const plain: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (!key.isWellFormed()) throw new ProtocolError(`${path} has a key with a lone UTF-16 surrogate`);
      plain[key] = extractTensors(item, tensors, `${path}.${key}`, depth + 1);
    }
    return plain;
  }
  return value;
}

const EMPTY_FRAME = Buffer.alloc(0);

/**
 * Encodes a header (whose `tensors` field is filled in here) and the tensors found in `body`.
 * With `sharedMemory`, tensors at or above its threshold go through a file and leave an empty frame.
 */
export function encodeMessage(key: Buffer, header: Record<string, unknown>, body: Record<string, unknown>, sharedMemory?: SharedMemoryTransfer): Buffer[] {
  const tensors: Tensor[] = [];
  const plainBody: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) plainBody[field] = extractTensors(value, tensors, field);
  const descriptors: TensorDescriptor[] = [];
  const frames: Buffer[] = [];
  for (const tensor of tensors) {
    const descriptor: TensorDescriptor = { dtype: tensor.dtype, shape: [...tensor.shape] };
    if (sharedMemory && tensor.byteLength >= sharedMemory.threshold) {
      descriptor.shm = sharedMemory.write(tensor.bytes());
      frames.push(EMPTY_FRAME);
    } else {
      frames.push(tensor.bytes());
    }
    descriptors.push(descriptor);
  }
  const headerBytes = packr.pack({ ...header, ...plainBody, tensors: descriptors });
  return [sign(key, headerBytes), headerBytes, ...frames];
}

export interface DecodedFrames {
  header: unknown;
  headerBytes: Buffer;
  tensorFrames: Buffer[];
}

/** Checks the signature and unpacks the header; throws ProtocolError on anything malformed. */
export function decodeFrames(key: Buffer, frames: Buffer[]): DecodedFrames {
  const [signature, headerBytes, ...tensorFrames] = frames;
  if (!signature || !headerBytes) throw new ProtocolError(`expected at least 2 frames, got ${frames.length}`);
  if (!signatureMatches(key, headerBytes, signature)) throw new ProtocolError("bad signature");
  let header: unknown;
  try {
    header = packr.unpack(headerBytes);
  } catch (error) {
    throw new ProtocolError(`header is not valid msgpack: ${(error as Error).message}`);
  }
  return { header, headerBytes, tensorFrames };
}

/**
 * Builds Tensors over the frames (views, copying only when a frame is misaligned for its dtype),
 * or over the shared-memory files their descriptors name.
 */
export function decodeTensors(descriptors: unknown[], frames: Buffer[], sharedMemory?: SharedMemoryTransfer): Tensor[] {
  if (descriptors.length !== frames.length) {
    throw new ProtocolError(`header describes ${descriptors.length} tensors but ${frames.length} tensor frames arrived`);
  }
  return descriptors.map((descriptor, index) => {
    const parsed = parseDescriptor(descriptor, index);
    const { itemSize, view } = DTYPE_INFO[parsed.dtype];
    const count = elementCount(parsed.shape);
    let frame = frames[index] as Buffer;
    if (parsed.shm !== undefined) {
      if (!sharedMemory) throw new ProtocolError(`tensor ${index} names a shared-memory file but this connection has none`);
      if (frame.byteLength !== 0) throw new ProtocolError(`tensor ${index} is in shared memory but its frame is not empty`);
      if (!Number.isSafeInteger(count * itemSize)) throw new ProtocolError(`tensor ${index} declares an impossible size`);
      frame = sharedMemory.read(parsed.shm, count * itemSize);
    }
    if (count * itemSize !== frame.byteLength) {
      throw new ProtocolError(
        `tensor ${index} declares ${parsed.dtype}[${parsed.shape.join(", ")}] (${count * itemSize} bytes) but its frame has ${frame.byteLength} bytes`,
      );
    }
    const aligned = frame.byteOffset % itemSize === 0 ? frame : Buffer.from(frame);
    return new Tensor(parsed.dtype, parsed.shape, view(aligned.buffer, aligned.byteOffset, count));
  });
}

function parseDescriptor(descriptor: unknown, index: number): TensorDescriptor {
  const candidate = descriptor as Partial<TensorDescriptor> | null;
  const dtype = DtypeSchema.safeParse(candidate?.dtype);
  const shape = candidate?.shape;
  const shapeValid = Array.isArray(shape) && shape.length <= 16 && shape.every((size) => Number.isSafeInteger(size) && size >= 0);
  const shm = (candidate as { shm?: unknown } | null)?.shm;
  if (!dtype.success || !shapeValid || (shm !== undefined && typeof shm !== "string")) throw new ProtocolError(`tensor ${index} has an invalid descriptor`);
  return shm === undefined ? { dtype: dtype.data, shape } : { dtype: dtype.data, shape, shm };
}

/** Puts Tensors back where the body held {__tensor__: i} references. */
export function insertTensors(value: unknown, tensors: Tensor[]): unknown {
  // msgpack bin arrives as a Buffer viewing the header frame: hand out a copy of its own.
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (Array.isArray(value)) return value.map((item) => insertTensors(item, tensors));
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === TENSOR_REFERENCE_KEY) {
      const index = record[TENSOR_REFERENCE_KEY];
      const tensor = typeof index === "number" ? tensors[index] : undefined;
      if (!tensor) throw new ProtocolError(`tensor reference ${String(index)} points at no frame`);
      return tensor;
    }
    const restored: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) restored[key] = insertTensors(item, tensors);
    return restored;
  }
  return value;
}
