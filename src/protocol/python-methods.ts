// Methods of the Python escape hatch (bridge.python): proxies into the bridge's own process.
// Python holds the proxied objects in a table of their own, by ids such as "py-12"; a target is
// such an id plus an attribute path, so that `torch.nn.functional.relu(x)` is one round trip.
// Values are encoded by src/python/wire-values.ts: plain data by value, Tensors as frames,
// `{__pyref__: id, path?}` for Python objects, `{__pybytes__: uint8 Tensor}` for bytes.
import { z } from "zod";
import { HandleId } from "../specs/names.js";
import { Tensor } from "../specs/tensor.js";

export const PythonObjectId = z.string().regex(/^py-\d+$/, { error: "must be a Python object id such as \"py-3\"" });

/** Attribute names followed from the target, at most 64 (await part of a longer chain first). */
export const AttributePath = z.array(z.string().min(1, { error: "must be a non-empty attribute name" })).max(64, {
  error: "must hold at most 64 attribute names; await part of the chain first",
});

/** A value in Python's answer: plain data by value, or a reference to an object left in Python. */
export const PythonReference = z.strictObject({ __pyref__: PythonObjectId, type: z.string(), repr: z.string() });
export type PythonReference = z.output<typeof PythonReference>;

const target = { target: PythonObjectId, path: AttributePath.default([]) };
const value = z.strictObject({ value: z.unknown() });
const empty = z.strictObject({});

export const PYTHON_METHODS = {
  /** `importlib.import_module(module)`; always a reference. */
  "python.import": { params: z.strictObject({ module: z.string().min(1) }), result: z.strictObject({ value: PythonReference }) },
  /** The `builtins` module (range, len, slice, eval, ...). */
  "python.builtins": { params: empty, result: z.strictObject({ value: PythonReference }) },
  /** The Python object behind an SDK handle ("model-1"); releasing it leaves the handle alive. */
  "python.sdkObject": {
    params: z.strictObject({ handle: HandleId }),
    result: z.strictObject({ value: PythonReference }),
  },
  /** The attribute's value; with `reference`, a reference even to a plain value (a list to mutate). */
  "python.getattr": { params: z.strictObject({ ...target, reference: z.boolean().default(false) }), result: value },
  "python.setattr": { params: z.strictObject({ ...target, value: z.unknown() }), result: empty },
  /** Calls target.path(*args, **kwargs); `reference` as for python.getattr. */
  "python.call": {
    params: z.strictObject({
      ...target,
      args: z.array(z.unknown()).default([]),
      kwargs: z.record(z.string(), z.unknown()).default({}),
      reference: z.boolean().default(false),
    }),
    result: value,
  },
  /** target.path[key], or target.path[k0, k1, ...] with several keys. */
  "python.getitem": { params: z.strictObject({ ...target, keys: z.array(z.unknown()).min(1) }), result: value },
  "python.setitem": { params: z.strictObject({ ...target, keys: z.array(z.unknown()).min(1), value: z.unknown() }), result: empty },
  /** `iter(target.path)`: a reference to the iterator, read with python.next. */
  "python.iter": { params: z.strictObject(target), result: z.strictObject({ iterator: PythonReference }) },
  /** Up to `count` items of an iterator; `done` once it is exhausted. */
  "python.next": {
    params: z.strictObject({ iterator: PythonObjectId, count: z.number().int().min(1).max(1024).default(1) }),
    result: z.strictObject({ items: z.array(z.unknown()), done: z.boolean() }),
  },
  "python.repr": {
    params: z.strictObject({ ...target, mode: z.enum(["repr", "str"]).default("repr") }),
    result: z.strictObject({ text: z.string() }),
  },
  /** A torch tensor's bytes as a raw frame (a private CPU copy, detached). */
  "python.tensor": { params: z.strictObject(target), result: z.strictObject({ tensor: z.instanceof(Tensor, { error: "must be a Tensor" }) }) },
  /** Drops ids from the object table; unknown ids are ignored. */
  "python.release": { params: z.strictObject({ ids: z.array(PythonObjectId) }), result: z.strictObject({ released: z.number().int() }) },
  /** How many objects the table holds, by qualified type name; `alive`: which of `ids` it still holds. */
  "python.stats": {
    params: z.strictObject({ ids: z.array(PythonObjectId).default([]) }),
    result: z.strictObject({
      live: z.number().int().nonnegative(),
      byType: z.record(z.string(), z.number().int()),
      alive: z.array(PythonObjectId),
    }),
  },
} as const;
