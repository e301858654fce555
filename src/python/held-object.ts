// One Python object that the bridge's object table holds for TypeScript, by id ("py-12").
// Every proxy made from it (attribute chains included) keeps it reachable; once none is left,
// the PythonBridge's FinalizationRegistry releases the id, as a safety net behind $dispose().
import type { BridgeClient } from "../transport/bridge-client.js";

export interface HeldObjectOwner {
  readonly bridge: BridgeClient;
  /** Stops watching a held object that was disposed explicitly. */
  forget(held: HeldObject): void;
}

export class HeldObject {
  private isDisposed = false;

  constructor(
    private readonly owner: HeldObjectOwner,
    /** The id in Python's object table. */
    readonly id: string,
    /** Qualified name of the object's Python type, such as "torch.Tensor". */
    readonly type: string,
    /** A short repr, taken when the object crossed the bridge. */
    readonly repr: string,
  ) {}

  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Releases the id in Python. Safe to call twice, and after the bridge closed. */
  async dispose(): Promise<void> {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.owner.forget(this);
    if (!this.owner.bridge.closed) await this.owner.bridge.call("python.release", { ids: [this.id] });
  }
}
