// `bridge.python`: the Python escape hatch. Proxies into the bridge's own process, in pythonia's
// call style, for whatever the SDK does not wrap (see docs/python-escape-hatch.md).
import type { MethodName, MethodParams, MethodResult } from "../protocol/methods.js";
import type { PythonReference } from "../protocol/python-methods.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import type { RemoteHandle } from "../transport/remote-handle.js";
import { HeldObject } from "./held-object.js";
import { heldProxy, isPythonProxy, pendingProxy, type ProxyHost, type PythonProxy } from "./python-proxy.js";

/** What `bridge.python.stats()` reports about the Python objects this program holds. */
export interface PythonStats {
  /** Objects the bridge's Python object table holds for this program. */
  live: number;
  /** The same, by qualified Python type name. */
  byType: Record<string, number>;
  /** Which of the ids asked about are still held. */
  alive: string[];
}

/** The Python escape hatch (`bridge.python`): proxies to modules and objects in the bridge's own process. */
export class PythonBridge implements ProxyHost {
  /** Releases the ids of held objects that no proxy reaches any more: a safety net, not the plan. */
  private readonly forgotten = new FinalizationRegistry<string>((id) => this.releaseLater(id));
  private releaseQueue: string[] = [];
  private builtinsPending: PythonProxy | undefined;
  private builtinsHeld: PythonProxy | undefined;

  constructor(readonly bridge: BridgeClient) {}

  /** `import module` in the bridge process: `const torch = await bridge.python.import("torch")`. */
  import(module: string): PythonProxy {
    return this.root(this.call("python.import", { module }), module);
  }

  /** Python's builtins module: `await bridge.python.builtins.len([1, 2])`. */
  get builtins(): PythonProxy {
    if (this.builtinsHeld && !this.builtinsHeld.$disposed) return this.builtinsHeld;
    if (!this.builtinsPending || this.builtinsHeld) {
      // One id for the bridge's life, made again only if someone disposed it.
      this.builtinsHeld = undefined;
      const pending = this.call("python.builtins", {}).then(({ value }) => {
        const proxy = heldProxy(this, this.hold(value), "builtins");
        this.builtinsHeld = proxy;
        return proxy;
      });
      this.builtinsPending = pendingProxy(this, pending, "builtins");
    }
    return this.builtinsPending;
  }

  /**
   * The Python object behind an SDK handle (a Model is a TextToVideoModel with .unet, .vae, ...).
   * Disposing the proxy releases only the proxy's reference; the SDK handle stays usable.
   */
  handle(remote: RemoteHandle): PythonProxy {
    if (remote.bridge !== this.bridge) throw new TypeError(`${remote.handle} belongs to another bridge`);
    if (remote.isDisposed) throw new TypeError(`${remote.handle} was disposed; its Python object is gone`);
    return this.root(this.call("python.sdkObject", { handle: remote.handle }), remote.handle);
  }

  /**
   * How many Python objects proxies hold right now (released ones are gone from the table); pass
   * proxies to learn which of them are still held.
   */
  stats(...proxies: PythonProxy[]): Promise<PythonStats> {
    const ids = proxies.map((proxy) => {
      const id = isPythonProxy(proxy) ? proxy.$id : undefined;
      if (id === undefined) throw new TypeError("stats() takes proxies that hold an object (awaited ones), not attribute chains");
      return id;
    });
    return this.call("python.stats", { ids });
  }

  /** Whether a value is a proxy made by the escape hatch (plain values from Python are not). */
  isProxy(value: unknown): value is PythonProxy {
    return isPythonProxy(value);
  }

  /** @internal */
  call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
    return this.bridge.call(method, params);
  }

  /** @internal Starts holding an object that Python just put in its table. */
  hold(reference: PythonReference): HeldObject {
    const held = new HeldObject(this, reference.__pyref__, reference.type, reference.repr);
    this.forgotten.register(held, held.id, held);
    return held;
  }

  /** @internal Called by HeldObject.dispose(). */
  forget(held: HeldObject): void {
    this.forgotten.unregister(held);
  }

  /** A proxy that settles to the held object once Python answers; usable (and awaitable) at once. */
  private root(reference: Promise<{ value: PythonReference }>, label: string): PythonProxy {
    return pendingProxy(this, reference.then(({ value }) => heldProxy(this, this.hold(value), label)), label);
  }

  private releaseLater(id: string): void {
    this.releaseQueue.push(id);
    if (this.releaseQueue.length > 1) return; // a flush is already scheduled
    setTimeout(() => {
      const ids = this.releaseQueue;
      this.releaseQueue = [];
      if (!this.bridge.closed) void this.bridge.call("python.release", { ids }).catch(() => undefined);
    }, 0).unref();
  }
}
