// bridge.python against the real Python bridge on CPU: proxies, values, iteration, tensors,
// SDK objects, errors, and that released objects leave Python's object table.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Bridge,
  ERROR_CODES,
  Model,
  PythonArgumentError,
  PythonError,
  PythonObjectDisposedError,
  Tensor,
  isPythonProxy,
  type PythonProxy,
} from "../../src/index.js";

/** The rejection of an awaitable (proxies have no `.catch`: that name is a Python attribute). */
async function failure(awaitable: unknown): Promise<unknown> {
  try {
    await awaitable;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but it resolved");
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

describe("bridge.python (the Python escape hatch)", () => {
  let bridge: Bridge;
  let torch: PythonProxy;
  let math: PythonProxy;

  beforeAll(async () => {
    bridge = await Bridge.start();
    torch = await bridge.python.import("torch");
    math = await bridge.python.import("math");
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("imports a module and calls it with positional arguments", async () => {
    expect(isPythonProxy(torch)).toBe(true);
    expect(torch.$type).toBe("module");
    expect(torch.$id).toMatch(/^py-\d+$/);
    expect(await torch).toBe(torch); // a held proxy is not thenable: awaiting it gives it back
    const x = await torch.zeros([2, 3]);
    expect(isPythonProxy(x)).toBe(true);
    expect(x.$type).toBe("torch.Tensor");
    expect(await x.shape).toEqual([2, 3]); // torch.Size is a tuple: it comes back by value
    expect(await x.sum().item()).toBe(0); // chained without awaiting in between
    expect(await x.$repr()).toBe("tensor([[0., 0., 0.],\n        [0., 0., 0.]])");
  });

  it("passes keyword arguments with the name$ convention and lazy chains as arguments", async () => {
    const y = await torch.ones$([2], { dtype: torch.float64 }); // torch.float64 is sent as a reference, unawaited
    expect(await y.dtype.$str()).toBe("torch.float64");
    const dtype = await torch.float32;
    expect(isPythonProxy(dtype)).toBe(true);
    const z = await torch.full$([3], 2.5, { dtype });
    expect(await z.tolist()).toEqual([2.5, 2.5, 2.5]);
    const explicit = await torch.arange.$call([4], { dtype: torch.int32 });
    expect(await explicit.tolist()).toEqual([0, 1, 2, 3]);
    expect(await explicit.dtype.$str()).toBe("torch.int32");
  });

  it("returns plain values by value, NaN and infinities included", async () => {
    expect(await math.sqrt(2)).toBeCloseTo(Math.SQRT2, 15);
    expect(await math.nan).toBeNaN();
    expect(await math.inf).toBe(Number.POSITIVE_INFINITY);
    expect(await math.pi).toBe(Math.PI);
    expect(await bridge.python.builtins.float("-inf")).toBe(Number.NEGATIVE_INFINITY);
    expect(await bridge.python.builtins.str.upper("abc")).toBe("ABC");
    const builtins = bridge.python.builtins;
    expect(await builtins.dict$([], { a: 1, b: [1.5, "x", null, true], c: { d: [] } })).toEqual({ a: 1, b: [1.5, "x", null, true], c: { d: [] } });
    expect(await builtins.tuple([1, [2, 3]])).toEqual([1, [2, 3]]);
    expect(await builtins.divmod(7, 2)).toEqual([3, 1]);
    expect(await builtins.isinstance(null, builtins.type(null))).toBe(true);
    // bytes both ways: a Uint8Array arrives as bytes, bytes come back as a Buffer
    const bytes = await builtins.bytes([0, 1, 255]);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect([...bytes]).toEqual([0, 1, 255]);
    expect(await builtins.type(new Uint8Array([7, 8])).__name__).toBe("bytes");
    expect(await builtins.list(new Uint8Array([7, 8]))).toEqual([7, 8]);
    // beyond JavaScript's safe integers an int stays in Python rather than lose digits
    const big = await builtins.pow(2, 64);
    expect(isPythonProxy(big)).toBe(true);
    expect(await big.$str()).toBe("18446744073709551616");
    // a dict with non-string keys, or holding a tensor, is not plain
    const mixed = await builtins.dict$([[1, "one"]], {});
    expect(isPythonProxy(mixed)).toBe(true);
    expect(await mixed.$getitem(1)).toBe("one");
  });

  it("iterates Python iterables, fetching in batches and releasing what it fetched ahead", async () => {
    const builtins = bridge.python.builtins;
    const values: unknown[] = [];
    for await (const item of await builtins.range(5)) values.push(item);
    expect(values).toEqual([0, 1, 2, 3, 4]);
    const small: unknown[] = [];
    for await (const item of builtins.range(70).$iterate({ batch: 1 })) small.push(item);
    expect(small).toHaveLength(70);

    const matrix = await torch.eye(4);
    const rows: PythonProxy[] = [];
    const idsBefore = Number((matrix.$id as string).slice(3));
    for await (const row of matrix) {
      expect(isPythonProxy(row)).toBe(true);
      rows.push(row as PythonProxy);
      if (rows.length === 2) break; // the other two rows were fetched ahead: they must be released
    }
    expect(await Promise.all(rows.map((row) => row.tolist()))).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ]);
    // ids given out meanwhile: the iterator, then the four rows (fetched in one batch)
    const [iterator, ...fetched] = [1, 2, 3, 4, 5].map((step) => `py-${idsBefore + step}`);
    expect(fetched.slice(0, 2)).toEqual(rows.map((row) => row.$id));
    const { alive } = await bridge.call("python.stats", { ids: [iterator as string, ...fetched] });
    expect(alive).toEqual(fetched.slice(0, 2)); // the iterator and the two rows never delivered are gone
  });

  it("passes proxies back as arguments, pending ones included", async () => {
    const a = await torch.tensor([1.0, 2.5, -3.0]);
    const b = torch.tensor([10.0, 20.0, 30.0]); // not awaited: still pending when passed
    const sum = await torch.add(a, b);
    expect(await sum.tolist()).toEqual([11, 22.5, 27]);
    expect(await torch.equal(await torch.add(a, b), sum)).toBe(true);
    const sqrtTwo = bridge.python.builtins.float(2); // settles to a plain value: sent by value
    expect(await math.sqrt(sqrtTwo)).toBeCloseTo(Math.SQRT2, 15);
    const stacked = await torch.stack([a, b, a]);
    expect(await stacked.shape).toEqual([3, 3]);
  });

  it("moves tensors in and out bit-exactly ($tensor)", async () => {
    const values = new Float32Array([Number.NaN, -0, Number.POSITIVE_INFINITY, 1e-45, -1.5, 3.25]);
    new Uint32Array(values.buffer)[0] = 0x7fa00001; // a NaN payload must survive
    const sent = new Tensor("float32", [2, 3], values);
    const proxy = await torch.clone(sent);
    expect(await proxy.shape).toEqual([2, 3]);
    const back = await proxy.$tensor();
    expect(back).toBeInstanceOf(Tensor);
    expect(back.dtype).toBe("float32");
    expect(back.shape).toEqual([2, 3]);
    expect(bytesOf(back.data).equals(bytesOf(values))).toBe(true);

    const transposed = await proxy.T.$tensor(); // non-contiguous in Python: sent as a contiguous copy
    expect(transposed.shape).toEqual([3, 2]);
    expect(Array.from(transposed.data as Float32Array).slice(1)).toEqual([values[3], -0, -1.5, Number.POSITIVE_INFINITY, 3.25]);

    const int64 = await torch.tensor$([-(2 ** 53), 7], { dtype: torch.int64 }).$tensor();
    expect(int64.dtype).toBe("int64");
    expect(Array.from(int64.data as BigInt64Array)).toEqual([-(2n ** 53n), 7n]);

    const error = (await failure(math.$tensor())) as PythonError;
    expect(error).toBeInstanceOf(PythonError);
    expect(error.code).toBe(ERROR_CODES.invalidArgument);
    expect(error.pythonMessage).toMatch(/not a torch\.Tensor/);
  });

  it("reads and writes attributes and items", async () => {
    const types = await bridge.python.import("types");
    const namespace = await types.SimpleNamespace$({ a: 1 });
    await namespace.$set("b", [1, "two"]);
    expect(await namespace.a).toBe(1);
    expect(await namespace.b).toEqual([1, "two"]);
    expect(() => {
      (namespace as Record<string, unknown>).c = 3;
    }).toThrow(/\$set\("c", value\)/);

    // a dict is plain, so it comes back by value; items are set through a chain, or on a $ref()
    await namespace.$set("table", {});
    await namespace.table.$setitem("key", [1, 2]);
    expect(await namespace.table).toEqual({ key: [1, 2] });
    const table = await namespace.table.$ref();
    expect(table.$type).toBe("dict");
    await table.$setitem("other", 3);
    expect(await table.$getitem("key")).toEqual([1, 2]);
    expect(await bridge.python.builtins.len(table)).toBe(2);
    const list = await bridge.python.builtins.list.$call([[3, 1, 2]], {}, { reference: true });
    await list.sort();
    expect(await list.$getitem(0)).toBe(1);
    expect(await (await list.$ref()).copy()).toEqual([1, 2, 3]);

    const grid = await torch.zeros([2, 2]);
    await grid.$setitem(0, 1, 5);
    expect(await grid.$getitem(0, 1).then((cell: PythonProxy) => cell.item())).toBe(5);
    expect(await grid.tolist()).toEqual([
      [0, 5],
      [0, 0],
    ]);
    const row = await grid.$getitem(0);
    expect(await row.tolist()).toEqual([0, 5]);
    const slice = await bridge.python.builtins.slice(null);
    expect(await (await grid.$getitem(slice, 1)).tolist()).toEqual([5, 0]);
  });

  it("reaches SDK objects: the UNet inside a Model", async () => {
    const model = await Model.tiny(bridge);
    const unet = await bridge.python.handle(model).unet;
    expect(unet.$type).toMatch(/UNet3DConditionModel$/);
    const inChannels = await unet.config.in_channels;
    expect(Number.isInteger(inChannels)).toBe(true);
    expect(inChannels).toBeGreaterThan(0);
    let parameters = 0;
    for await (const parameter of unet.parameters()) parameters += (await (parameter as PythonProxy).numel()) as number;
    expect(parameters).toBeGreaterThan(0);
    expect(parameters).toBeLessThan(model.info.parameters.total);
    // the same count computed in Python in one call (a pending generator passed as an argument)
    expect(await torch.nn.utils.parameters_to_vector(unet.parameters()).numel()).toBe(parameters);
    await unet.$dispose();
    expect(await model.fingerprint()).toHaveProperty("base"); // releasing the proxy leaves the model alive
    await model.dispose();
  });

  it("surfaces Python exceptions as PythonError with the traceback", async () => {
    const operator = await bridge.python.import("operator");
    const error = (await failure(operator.truediv(1, 0))) as PythonError;
    expect(error).toBeInstanceOf(PythonError);
    expect(error.code).toBe(ERROR_CODES.pythonException);
    expect(error.pythonName).toBe("ZeroDivisionError");
    expect(error.traceback).toMatch(/Traceback \(most recent call last\)/);
    expect(error.traceback).toMatch(/ZeroDivisionError/);

    const missing = (await failure(torch.no_such_function(1))) as PythonError;
    expect(missing.pythonName).toBe("AttributeError");
    expect(missing.pythonMessage).toMatch(/no_such_function/);

    const importError = (await failure(bridge.python.import("no_such_module_here"))) as PythonError;
    expect(importError.pythonName).toBe("ModuleNotFoundError");

    // a failed call poisons what is chained on it, with the same error
    const chained = (await failure(operator.truediv(1, 0).real)) as PythonError;
    expect(chained.pythonName).toBe("ZeroDivisionError");

    const plain = await failure(math.sqrt(4).real);
    expect(plain).toBeInstanceOf(TypeError);
    expect(String(plain)).toMatch(/math\.sqrt\(\.\.\.\) gave a plain number value, not a Python object/);

    expect(() => bridge.python.builtins.len(() => 1)).toThrow(PythonArgumentError);
    expect(() => bridge.python.builtins.len(new Map())).toThrow(/is a Map/);
    expect(() => bridge.python.builtins.len(new Float32Array(2))).toThrow(/wrap it in a Tensor/);
  });

  it("refuses a disposed proxy clearly, and releases its Python object", async () => {
    const x = await torch.arange(6);
    const shape = x.shape; // a chain made before the dispose
    expect((await bridge.python.stats(x)).alive).toEqual([x.$id]);
    const { live } = await bridge.python.stats();
    await x.$dispose();
    await x.$dispose(); // twice is fine
    expect(x.$disposed).toBe(true);
    const after = await bridge.python.stats();
    expect(after.live).toBeLessThanOrEqual(live - 1);
    expect((await bridge.call("python.stats", { ids: [x.$id as string] })).alive).toEqual([]);

    const error = await failure(x.sum());
    expect(error).toBeInstanceOf(PythonObjectDisposedError);
    expect(String(error)).toMatch(/torch\.Tensor\.sum \(py-\d+, a torch\.Tensor\) was disposed/);
    expect(await failure(shape)).toBeInstanceOf(PythonObjectDisposedError);
    expect(await failure(x.$tensor())).toBeInstanceOf(PythonObjectDisposedError);
    expect(await failure(torch.add(x, 1))).toBeInstanceOf(PythonObjectDisposedError);
    expect(await failure(x.shape.$dispose())).toBeInstanceOf(TypeError); // chains hold nothing to dispose
    // Python refuses an id it no longer holds, even from a client that skipped the checks
    const unknown = (await failure(bridge.call("python.getattr", { target: x.$id as string, path: ["shape"] }))) as PythonError;
    expect(unknown.code).toBe(ERROR_CODES.unknownHandle);

    // calls on held proxies leave in program order: made before a $dispose(), they run before it
    const builtins = await bridge.python.builtins;
    const list = await builtins.list.$call([[]], {}, { reference: true });
    const appended = list.append(1);
    const length = builtins.len(list);
    await list.$dispose();
    expect(await appended).toBeNull();
    expect(await length).toBe(1);
    expect(await failure(list.append(2))).toBeInstanceOf(PythonObjectDisposedError);

    let held: PythonProxy[] = [];
    {
      await using y = await torch.ones(3);
      await using pending = torch.ones(2); // disposing a pending proxy disposes what it settled to
      held = [y, await pending];
      expect((await bridge.python.stats(...held)).alive).toHaveLength(2);
      expect(await y.sum().item()).toBe(3);
    }
    expect(held.every((proxy) => proxy.$disposed)).toBe(true);
    expect((await bridge.call("python.stats", { ids: held.map((proxy) => proxy.$id as string) })).alive).toEqual([]);
  });

  it("releases forgotten proxies through the FinalizationRegistry", async () => {
    setFlagsFromString("--expose-gc");
    const collectGarbage = runInNewContext("gc") as () => void;
    const ids: string[] = [];
    await (async () => {
      for (let index = 0; index < 5; index += 1) ids.push((await torch.zeros(index + 1)).$id as string);
    })();
    expect((await bridge.call("python.stats", { ids })).alive).toEqual(ids);
    let alive = ids;
    for (let attempt = 0; attempt < 50 && alive.length > 0; attempt += 1) {
      collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 50));
      alive = (await bridge.call("python.stats", { ids })).alive;
    }
    expect(alive).toEqual([]);
  });
});
