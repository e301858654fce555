// Proxies into the bridge's Python process, in pythonia's call style:
//
//   const torch = await bridge.python.import("torch");
//   const x = await torch.zeros([2, 3]);          // attribute chain + call: one round trip
//   const y = await torch.ones$([2], { dtype: torch.float64 });   // name$: last argument = kwargs
//
// A proxy is a chain: a base (a held Python object, or a pending call/import whose answer will be
// one) plus a path of attribute names. Reading a property extends the path and sends nothing;
// awaiting a chain reads the attribute (python.getattr); calling it sends python.call at once and
// returns a new chain whose base is the pending answer. A proxy that stands for a held object
// itself (empty path, settled base) has no `then`, so awaiting it gives the proxy back and
// `await` never recurses.
import { inspect } from "node:util";
import type { MethodName, MethodParams, MethodResult } from "../protocol/methods.js";
import type { PythonReference } from "../protocol/python-methods.js";
import type { Tensor } from "../specs/tensor.js";
import type { HeldObject } from "./held-object.js";
import { PythonArgumentError, PythonObjectDisposedError } from "./python-errors.js";
import { REFERENCE_KEY, decodeResult, isPlainObject, resolveArgument, resolveArgumentNow, snapshotArgument } from "./wire-values.js";

/** What a value from Python is in TypeScript: plain data, a Buffer, or a PythonProxy (dynamic, so `any`). */
export type PythonValue = any;

/** Options of a proxy's `$call`. */
export interface PythonCallOptions {
  /** Answer with a proxy even when the result is plain (a list or dict to mutate in Python). */
  reference?: boolean;
}

/** Options of a proxy's `$iterate`. */
export interface IterateOptions {
  /** Items fetched per round trip (1 to 1024, default 32). Python's iterator runs this far ahead. */
  batch?: number;
}

/** Members every proxy has; any other property name is a Python attribute (typed `any`). */
export interface PythonProxyMembers extends AsyncIterable<PythonValue>, AsyncDisposable {
  /** Calls the Python object: `f(a, b)`; with `name$` the last argument holds keyword arguments. */
  (...args: unknown[]): PythonValue;
  /** Python attributes: chains are lazy, `await` reads them, calling them calls Python. */
  readonly [attribute: string]: PythonValue;
  /** Releases the Python object this proxy holds. Attribute chains hold none and refuse. */
  $dispose(): Promise<void>;
  /** `repr(obj)`, computed now. */
  $repr(): Promise<string>;
  /** `str(obj)`, computed now. */
  $str(): Promise<string>;
  /** A torch.Tensor's values as a Tensor (a detached CPU copy, sent as a raw frame). */
  $tensor(): Promise<Tensor>;
  /** `obj.name = value`. */
  $set(name: string, value: unknown): Promise<void>;
  /** `obj[key]`, or `obj[k0, k1, ...]` with several keys. */
  $getitem(...keys: unknown[]): Promise<PythonValue>;
  /** `obj[key] = value` (keys first, the value last): `$setitem(0, 1, 5)` is `obj[0, 1] = 5`. */
  $setitem(...keysThenValue: unknown[]): Promise<void>;
  /** The attribute `name`, for names the proxy keeps for itself (`then`, `toString`, `$x`, ...). */
  $attr(name: string): PythonValue;
  /** Calls with positional and keyword arguments given apart; `reference` keeps a plain result in Python. */
  $call(args?: readonly unknown[], kwargs?: Record<string, unknown>, options?: PythonCallOptions): PythonValue;
  /** The object itself as a proxy, even when it is plain data (a list or dict to mutate in Python). */
  $ref(): Promise<PythonProxy>;
  /** Iterates the Python iterable, `batch` items per round trip. */
  $iterate(options?: IterateOptions): AsyncIterable<PythonValue>;
  /** The Python object id ("py-12") of a proxy that holds one; undefined for chains and pending ones. */
  readonly $id: string | undefined;
  /** The qualified Python type name ("torch.Tensor") of a proxy that holds an object. */
  readonly $type: string | undefined;
  /** Whether the object this proxy holds (or starts from) was disposed. */
  readonly $disposed: boolean;
}

/**
 * A proxy for a Python object. Awaiting it gives a proxy that holds the object (itself, once held);
 * its attributes and call results are `any`: awaiting those reads Python and gives plain values by
 * value and other objects as proxies.
 */
export type PythonProxy = PythonProxyMembers;

/** What a chain needs from the PythonBridge that made it. */
export interface ProxyHost {
  call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>>;
  hold(reference: PythonReference): HeldObject;
}

type Base = { readonly kind: "held"; readonly held: HeldObject } | { readonly kind: "pending"; readonly value: Promise<unknown> };

interface Chain {
  readonly host: ProxyHost;
  readonly base: Base;
  readonly path: readonly string[];
  /** Made by `name$`: a call's last argument holds the keyword arguments. */
  readonly kwargs: boolean;
  /** How messages name the base: "torch", "torch.zeros(...)", "torch.Tensor". */
  readonly baseLabel: string;
}

const chains = new WeakMap<object, Chain>();
const DEFAULT_BATCH = 32;

/** Names that JavaScript machinery (Promise resolution, JSON, test matchers) probes on any object. */
const RESERVED_NAMES = new Set(["constructor", "toJSON", "toString", "valueOf", "asymmetricMatch", "nodeType", "inspect"]);

/** Whether a value is a proxy made by the escape hatch (plain values from Python are not). */
export function isPythonProxy(value: unknown): value is PythonProxy {
  return typeof value === "function" && chains.has(value);
}

function chainOf(value: unknown): Chain | undefined {
  return typeof value === "function" ? chains.get(value) : undefined;
}

/** A proxy for an object just received from Python. */
export function heldProxy(host: ProxyHost, held: HeldObject, label: string): PythonProxy {
  return makeProxy({ host, base: { kind: "held", held }, path: [], kwargs: false, baseLabel: label });
}

/** A proxy for an answer still on its way: `pending` settles with a value from decodeValue. */
export function pendingProxy(host: ProxyHost, pending: Promise<unknown>, label: string): PythonProxy {
  pending.catch(() => undefined); // the error reaches whoever awaits or uses the proxy, not the process
  return makeProxy({ host, base: { kind: "pending", value: pending }, path: [], kwargs: false, baseLabel: label });
}

/** Decodes a value from Python, making a held proxy for each reference. */
export function decodeValue(host: ProxyHost, value: unknown): PythonValue {
  return decodeResult(value, (reference) => heldProxy(host, host.hold(reference), reference.type));
}

/** How messages name a chain: "torch.zeros", "torch.zeros(...).shape". */
function labelOf(chain: Chain): string {
  return [chain.baseLabel, ...chain.path].join(".");
}

function isLazy(chain: Chain): boolean {
  return chain.base.kind === "pending" || chain.path.length > 0;
}

function heldOf(chain: Chain): HeldObject | undefined {
  return chain.base.kind === "held" ? chain.base.held : undefined;
}

function describe(chain: Chain): string {
  const held = heldOf(chain);
  if (held && chain.path.length === 0) return `PythonProxy<${held.type} ${held.id}${held.disposed ? " disposed" : ""}> ${held.repr}`;
  return `PythonProxy<${labelOf(chain)}${chain.base.kind === "pending" && chain.path.length === 0 ? " pending" : ""}>`;
}

function plainDescription(value: unknown): string {
  if (value === null) return "None";
  if (Array.isArray(value)) return "list";
  return typeof value === "object" ? "dict" : typeof value;
}

/** The held object a chain starts from, once its base has settled; refuses disposed ones. */
async function heldBase(chain: Chain): Promise<HeldObject> {
  let held = heldOf(chain);
  if (!held) {
    const settled = await (chain.base as { value: Promise<unknown> }).value;
    const inner = chainOf(settled);
    held = inner ? heldOf(inner) : undefined;
    if (!held) {
      const what = chain.path.length > 0 ? `the attribute ${chain.path.join(".")}` : "attributes, items, calls or iteration";
      throw new TypeError(`${chain.baseLabel} gave a plain ${plainDescription(settled)} value, not a Python object: it has no ${what}`);
    }
  }
  return live(chain, held);
}

function live(chain: Chain, held: HeldObject): HeldObject {
  if (held.disposed) throw new PythonObjectDisposedError(labelOf(chain), held.id, held.type);
  return held;
}

interface Target {
  target: string;
  path: string[];
}

function targetOf(held: HeldObject, chain: Chain, extra: readonly string[]): Target {
  return { target: held.id, path: [...chain.path, ...extra] };
}

function snapshot(value: unknown, where: string): unknown {
  return snapshotArgument(value, where, isPythonProxy);
}

function referenceOf(held: HeldObject, path: readonly string[]): Record<string, unknown> {
  return path.length > 0 ? { [REFERENCE_KEY]: held.id, path: [...path] } : { [REFERENCE_KEY]: held.id };
}

/** What a proxy inside an argument becomes on the wire: a reference, or the plain value it settled to. */
async function argumentReference(proxy: object): Promise<unknown> {
  const chain = chainOf(proxy) as Chain;
  if (chain.base.kind === "pending" && chain.path.length === 0) {
    const settled = await chain.base.value;
    if (!isPythonProxy(settled)) return resolveArgument(snapshot(settled, chain.baseLabel), argumentReference);
  }
  return referenceOf(await heldBase(chain), chain.path);
}

/** argumentReference without waiting, for proxies that hold their object (undefined for pending ones). */
function argumentReferenceNow(proxy: object): { value: unknown } | undefined {
  const chain = chainOf(proxy) as Chain;
  const held = heldOf(chain);
  return held ? { value: referenceOf(live(chain, held), chain.path) } : undefined;
}

/**
 * Sends a request about `chain` (plus `extra` attribute names) whose params hold the snapshotted
 * `parts`. When the chain and every proxy in the parts hold their objects, the request leaves at
 * once, so calls on held proxies reach Python in program order (a call made before a $dispose()
 * runs before the release); otherwise it leaves once the pending proxies settle.
 */
function send<T>(chain: Chain, extra: readonly string[], parts: readonly unknown[], request: (where: Target, wired: unknown[]) => Promise<T>): Promise<T> {
  try {
    const held = heldOf(chain);
    if (held) {
      const where = targetOf(live(chain, held), chain, extra);
      const wired = parts.map((part) => resolveArgumentNow(part, argumentReferenceNow));
      if (wired.every((part) => part !== undefined)) return request(where, wired.map((part) => part.value));
    }
  } catch (error) {
    return Promise.reject(error);
  }
  return (async () => {
    const where = targetOf(await heldBase(chain), chain, extra);
    const wired = await Promise.all(parts.map((part) => resolveArgument(part, argumentReference)));
    return request(where, wired);
  })();
}

async function referenceTo(chain: Chain): Promise<PythonProxy> {
  if (chain.path.length === 0) {
    if (chain.base.kind === "held") {
      await heldBase(chain); // refuses a disposed one
      return makeProxy(chain); // the held object itself (not thenable)
    }
    const settled: unknown = await chain.base.value;
    if (!isPythonProxy(settled)) {
      throw new TypeError(`${chain.baseLabel} already answered with a plain value; call it with $call(args, kwargs, { reference: true }) to keep the result in Python`);
    }
    return settled;
  }
  const { value } = await send(chain, [], [], (where) => chain.host.call("python.getattr", { ...where, reference: true }));
  return decodeValue(chain.host, value) as PythonProxy;
}

async function resolveChain(chain: Chain): Promise<PythonValue> {
  if (chain.path.length === 0 && chain.base.kind === "pending") return chain.base.value;
  const { value } = await send(chain, [], [], (where) => chain.host.call("python.getattr", where));
  return decodeValue(chain.host, value);
}

function callChain(chain: Chain, positional: readonly unknown[], keywords: Record<string, unknown>, reference = false): PythonValue {
  const label = labelOf(chain);
  if (!Array.isArray(positional)) throw new PythonArgumentError(`the positional arguments of ${label}(...)`, "must be an array");
  if (typeof keywords !== "object" || keywords === null || !isPlainObject(keywords)) {
    throw new PythonArgumentError(`the keyword arguments of ${label}(...)`, "must be a plain object");
  }
  const args = positional.map((value, index) => snapshot(value, `argument ${index} of ${label}(...)`));
  const kwargs = snapshot(keywords, `the keyword arguments of ${label}(...)`);
  const answer = send(chain, [], [args, kwargs], (where, [wireArgs, wireKwargs]) =>
    chain.host.call("python.call", { ...where, args: wireArgs as unknown[], kwargs: wireKwargs as Record<string, unknown>, reference }),
  );
  return pendingProxy(
    chain.host,
    answer.then(({ value }) => decodeValue(chain.host, value)),
    `${label}(...)`,
  );
}

function applyChain(chain: Chain, args: unknown[]): PythonValue {
  if (!chain.kwargs) return callChain(chain, args, {});
  const keywords = args.length > 0 ? args[args.length - 1] : undefined;
  if (keywords !== undefined && keywords !== null && (typeof keywords !== "object" || !isPlainObject(keywords))) {
    throw new PythonArgumentError(`the last argument of ${labelOf(chain)}$(...)`, "must be a plain object of keyword arguments (the `$` suffix means kwargs come last)");
  }
  return callChain(chain, args.slice(0, -1), (keywords ?? {}) as Record<string, unknown>);
}

async function disposeChain(chain: Chain): Promise<void> {
  if (chain.path.length > 0) {
    throw new TypeError(
      `${labelOf(chain)} is an attribute chain, not an object of its own: dispose the object it starts from, or await the attribute and dispose that`,
    );
  }
  if (chain.base.kind === "held") return chain.base.held.dispose();
  let settled: unknown;
  try {
    settled = await chain.base.value;
  } catch {
    return; // a failed call left nothing in Python
  }
  const inner = chainOf(settled);
  const held = inner ? heldOf(inner) : undefined;
  if (held) await held.dispose();
}

async function* iterateChain(chain: Chain, options: IterateOptions = {}): AsyncGenerator<PythonValue, void, undefined> {
  const batch = options.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1 || batch > 1024) throw new RangeError(`batch must be an integer from 1 to 1024, got ${batch}`);
  const { iterator } = await send(chain, [], [], (where) => chain.host.call("python.iter", where));
  const held = chain.host.hold(iterator);
  let undelivered: unknown[] = [];
  try {
    for (;;) {
      if (held.disposed) throw new PythonObjectDisposedError(`the iterator over ${labelOf(chain)}`, held.id, held.type);
      const { items, done } = await chain.host.call("python.next", { iterator: held.id, count: batch });
      undelivered = items.map((item) => decodeValue(chain.host, item));
      while (undelivered.length > 0) yield undelivered.shift();
      if (done) return;
    }
  } finally {
    // Items fetched ahead but never delivered (the loop broke early) are released with the iterator.
    await Promise.allSettled([held.dispose(), ...undelivered.filter(isPythonProxy).map((proxy) => proxy.$dispose())]);
  }
}

function helper(chain: Chain, name: string): unknown {
  const host = chain.host;
  const label = labelOf(chain);
  switch (name) {
    case "$dispose":
      return () => disposeChain(chain);
    case "$repr":
    case "$str":
      return async () => {
        const mode = name === "$repr" ? "repr" : "str";
        return (await send(chain, [], [], (where) => host.call("python.repr", { ...where, mode }))).text;
      };
    case "$tensor":
      return async () => (await send(chain, [], [], (where) => host.call("python.tensor", where))).tensor;
    case "$set":
      return async (attribute: string, value: unknown) => {
        if (typeof attribute !== "string" || attribute === "") throw new TypeError(`${label}.$set(name, value) needs an attribute name`);
        const part = snapshot(value, `the value for ${label}.${attribute}`);
        await send(chain, [attribute], [part], (where, [wireValue]) => host.call("python.setattr", { ...where, value: wireValue }));
      };
    case "$getitem":
      return async (...keys: unknown[]) => {
        if (keys.length === 0) throw new TypeError(`${label}.$getitem(key) needs at least one key`);
        const part = snapshot(keys, `the key of ${label}[...]`);
        const { value } = await send(chain, [], [part], (where, [wireKeys]) => host.call("python.getitem", { ...where, keys: wireKeys as unknown[] }));
        return decodeValue(host, value);
      };
    case "$setitem":
      return async (...keysThenValue: unknown[]) => {
        if (keysThenValue.length < 2) throw new TypeError(`${label}.$setitem(key, value) needs a key and a value`);
        const keys = snapshot(keysThenValue.slice(0, -1), `the key of ${label}[...]`);
        const value = snapshot(keysThenValue[keysThenValue.length - 1], `the value for ${label}[...]`);
        await send(chain, [], [keys, value], (where, [wireKeys, wireValue]) =>
          host.call("python.setitem", { ...where, keys: wireKeys as unknown[], value: wireValue }),
        );
      };
    case "$attr":
      return (attribute: string) => child(chain, attribute, false);
    case "$call":
      return (args: readonly unknown[] = [], kwargs: Record<string, unknown> = {}, options: PythonCallOptions = {}) =>
        callChain(chain, args, kwargs, options.reference === true);
    case "$ref":
      return () => referenceTo(chain);
    case "$iterate":
      return (options?: IterateOptions) => ({ [Symbol.asyncIterator]: () => iterateChain(chain, options) });
    case "$id":
      return chain.path.length === 0 ? heldOf(chain)?.id : undefined;
    case "$type":
      return chain.path.length === 0 ? heldOf(chain)?.type : undefined;
    case "$disposed":
      return heldOf(chain)?.disposed ?? false;
    default:
      return undefined; // Python names never start with "$"; this also answers probes such as "$$typeof"
  }
}

function child(chain: Chain, name: string, kwargs: boolean): PythonProxy {
  return makeProxy({ ...chain, path: [...chain.path, name], kwargs });
}

function makeProxy(chain: Chain): PythonProxy {
  const label = labelOf(chain);
  // An arrow function, so that the proxy can be called. Node's inspect looks through proxies at
  // their target, so the target carries the description.
  const target = (() => undefined) as unknown as Record<PropertyKey, unknown>;
  Object.defineProperty(target, inspect.custom, { value: () => describe(chain) });
  const proxy = new Proxy(target, {
    get(_target, name) {
      if (typeof name === "symbol") {
        if (name === Symbol.asyncIterator) return () => iterateChain(chain);
        if (name === Symbol.asyncDispose) return () => disposeChain(chain);
        if (name === Symbol.toPrimitive) return () => describe(chain);
        if (name === Symbol.toStringTag) return "PythonProxy";
        if (name === inspect.custom) return () => describe(chain);
        return undefined;
      }
      if (name === "then") {
        if (!isLazy(chain)) return undefined;
        return (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) =>
          resolveChain(chain).then(onFulfilled, onRejected);
      }
      if (name.startsWith("$")) return helper(chain, name);
      if (name === "toString") return () => describe(chain);
      if (RESERVED_NAMES.has(name)) return undefined;
      if (name.length > 1 && name.endsWith("$")) return child(chain, name.slice(0, -1), true);
      return child(chain, name, false);
    },
    apply(_target, _this, args: unknown[]) {
      return applyChain(chain, args);
    },
    set(_target, name) {
      throw new TypeError(`cannot assign ${label}.${String(name)} synchronously: use \`await ${label}.$set(${JSON.stringify(String(name))}, value)\``);
    },
    deleteProperty(_target, name) {
      throw new TypeError(`cannot delete ${label}.${String(name)} from TypeScript: call Python's delattr through builtins`);
    },
    defineProperty(_target, name) {
      throw new TypeError(`cannot define ${label}.${String(name)}: use \`await ${label}.$set(name, value)\``);
    },
  });
  chains.set(proxy, chain);
  return proxy as unknown as PythonProxy;
}
