// Values of the Python escape hatch on the wire (see docs/python-escape-hatch.md):
//   to Python:   plain data, Tensors (raw frames), {__pyref__: id, path?} for proxies,
//                {__pybytes__: uint8 Tensor} for a Uint8Array (msgpackr must never see a typed array);
//   from Python: plain data by value, bytes as {__pybytes__: uint8 Tensor} (made a Buffer here),
//                {__pyref__, type, repr} for everything else.
import { TENSOR_REFERENCE_KEY } from "../specs/envelope.js";
import { PythonReference } from "../protocol/python-methods.js";
import { Tensor } from "../specs/tensor.js";
import { PythonArgumentError } from "./python-errors.js";

export const REFERENCE_KEY = "__pyref__";
export const BYTES_KEY = "__pybytes__";
const RESERVED_KEYS = [REFERENCE_KEY, BYTES_KEY, TENSOR_REFERENCE_KEY];
const MAX_DEPTH = 64;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Stands for a proxy inside an argument until its Python object is known (it may still be pending). */
export class ProxyArgument {
  constructor(readonly proxy: object) {}
}

export function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Copies an argument into wire form at call time (later changes to the caller's arrays do not
 * leak in), replacing proxies by ProxyArgument placeholders; throws on anything Python cannot get.
 */
export function snapshotArgument(value: unknown, where: string, isProxy: (value: unknown) => boolean, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new PythonArgumentError(where, `is nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  switch (typeof value) {
    case "undefined":
      return null;
    case "boolean":
    case "string":
    case "number":
      return value;
    case "bigint":
      if (value < INT64_MIN || value > INT64_MAX) throw new PythonArgumentError(where, "is a bigint outside the int64 range");
      return value;
    case "function":
      if (isProxy(value)) return new ProxyArgument(value);
      throw new PythonArgumentError(where, "is a JavaScript function: functions cannot be sent to Python (there are no callbacks)");
    case "symbol":
      throw new PythonArgumentError(where, "is a symbol, which has no Python counterpart");
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Tensor) return object;
  if (object instanceof Uint8Array) {
    return { [BYTES_KEY]: new Tensor("uint8", [object.length], Uint8Array.from(object)) };
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    throw new PythonArgumentError(where, "is a typed array or buffer: wrap it in a Tensor (or pass a Uint8Array for Python bytes)");
  }
  if (Array.isArray(object)) {
    return object.map((item: unknown, index) => snapshotArgument(item, `${where}[${index}]`, isProxy, depth + 1));
  }
  if (!isPlainObject(object)) {
    const kind = (object.constructor as { name?: string } | undefined)?.name ?? "object";
    throw new PythonArgumentError(where, `is a ${kind}: only plain data, arrays, plain objects, Tensors, Uint8Arrays and Python proxies can be sent`);
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(object)) {
    if (RESERVED_KEYS.includes(key)) throw new PythonArgumentError(`${where}.${key}`, "uses a key reserved by the bridge's wire format");
    defineEntry(copy, key, snapshotArgument(item, `${where}.${key}`, isProxy, depth + 1));
  }
  return copy;
}

/** Replaces the placeholders of a snapshot by what `reference` makes of each proxy. */
export async function resolveArgument(value: unknown, reference: (proxy: object) => Promise<unknown>): Promise<unknown> {
  if (value instanceof ProxyArgument) return reference(value.proxy);
  if (value instanceof Tensor || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return Promise.all(value.map((item: unknown) => resolveArgument(item, reference)));
  const entries = await Promise.all(
    Object.entries(value as Record<string, unknown>).map(async ([key, item]) => [key, await resolveArgument(item, reference)] as const),
  );
  const resolved: Record<string, unknown> = {};
  for (const [key, item] of entries) defineEntry(resolved, key, item);
  return resolved;
}

/**
 * resolveArgument without waiting: the wire form now when `referenceNow` can answer for every
 * proxy in the snapshot, or undefined when one of them is still pending.
 */
export function resolveArgumentNow(value: unknown, referenceNow: (proxy: object) => { value: unknown } | undefined): { value: unknown } | undefined {
  if (value instanceof ProxyArgument) return referenceNow(value.proxy);
  if (value instanceof Tensor || value === null || typeof value !== "object") return { value };
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const resolved = resolveArgumentNow(item, referenceNow);
      if (!resolved) return undefined;
      items.push(resolved.value);
    }
    return { value: items };
  }
  const resolved: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const entry = resolveArgumentNow(item, referenceNow);
    if (!entry) return undefined;
    defineEntry(resolved, key, entry.value);
  }
  return { value: resolved };
}

/** Turns a value from Python into JavaScript: references go through `wrap`, bytes become Buffers. */
export function decodeResult(value: unknown, wrap: (reference: PythonReference) => unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item: unknown) => decodeResult(item, wrap));
  if (REFERENCE_KEY in value) return wrap(PythonReference.parse(value));
  if (BYTES_KEY in value) {
    const bytes = (value as Record<string, unknown>)[BYTES_KEY];
    if (!(bytes instanceof Tensor) || bytes.dtype !== "uint8") throw new TypeError("Python sent __pybytes__ without a uint8 tensor");
    return Buffer.from(bytes.bytes()); // a copy: the frame's memory belongs to the message
  }
  const decoded: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) defineEntry(decoded, key, decodeResult(item, wrap));
  return decoded;
}

/** Sets an own property, even one named "__proto__" (plain assignment would change the prototype). */
function defineEntry(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
