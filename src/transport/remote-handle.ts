// Base of every object that lives in Python (a model, a trainer): an id plus dispose().
// The FinalizationRegistry releases handles a program forgot, as a safety net, never as the plan.
import type { BridgeClient } from "./bridge-client.js";

const forgotten = new FinalizationRegistry<{ bridge: WeakRef<BridgeClient>; handle: string }>(({ bridge, handle }) => {
  const live = bridge.deref();
  if (live && !live.closed) void live.call("handle.release", { handle }).catch(() => undefined);
});

/** An object that lives in the Python process (a model, a trainer): its handle id and `dispose()`. */
export abstract class RemoteHandle implements AsyncDisposable {
  private disposed = false;

  protected constructor(
    readonly bridge: BridgeClient,
    readonly handle: string,
  ) {
    forgotten.register(this, { bridge: new WeakRef(bridge), handle }, this);
  }

  /** True once `dispose` was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws if this object was disposed. */
  protected assertLive(): void {
    if (this.disposed) throw new Error(`${this.handle} was disposed; create a new one`);
  }

  /** Frees the Python object. Safe to call twice, and after the bridge closed. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    forgotten.unregister(this);
    if (!this.bridge.closed) await this.bridge.call("handle.release", { handle: this.handle });
  }

  /** `await using` disposes the object at the end of the block, as `dispose` does. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
