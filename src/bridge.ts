// The user's handle on the Python process: the bridge client plus the Python escape hatch.
// Two layers meet here on purpose: transport knows nothing of the escape hatch, which sits above it.
import { PythonBridge } from "./python/python-bridge.js";
import { BridgeClient, type BridgeOptions } from "./transport/bridge-client.js";

/**
 * The user's handle on one Python bridge process: start it with `Bridge.start()`, hand it to
 * `Model`, `Reward` and trainers, and close it (or `await using`) when done.
 */
export class Bridge extends BridgeClient {
  private pythonBridge: PythonBridge | undefined;

  /** Spawns the Python bridge, connects both channels, and checks the protocol version. */
  static async start(options: BridgeOptions = {}): Promise<Bridge> {
    return new Bridge(await BridgeClient.connect(options));
  }

  /** The Python escape hatch: proxies into this bridge's process (docs/python-escape-hatch.md). */
  get python(): PythonBridge {
    return (this.pythonBridge ??= new PythonBridge(this));
  }
}
