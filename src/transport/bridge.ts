// The user's handle on the Python process: start it, call methods, stream events, close it.
import { randomBytes } from "node:crypto";
import { ERROR_CODES } from "../protocol/error-codes.js";
import { METHODS, type BridgeInfo, type MethodName, type MethodParams, type MethodResult } from "../protocol/methods.js";
import { PROTOCOL_VERSION } from "../protocol/version.js";
import { AbortError, BridgeClosedError, BridgeStartError, ConfigError, PythonError } from "../errors.js";
import { BridgeConnection, type StreamedEvent } from "./bridge-connection.js";
import { PythonProcess, type PythonProcessOptions } from "./python-process.js";

export type BridgeOptions = PythonProcessOptions;

export interface CallOptions {
  onEvent?: (event: StreamedEvent) => void;
  signal?: AbortSignal;
}

export class Bridge implements AsyncDisposable {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly process: PythonProcess,
    private readonly connection: BridgeConnection,
    readonly info: BridgeInfo,
  ) {}

  /** Spawns the Python bridge, connects, and checks the protocol version. */
  static async start(options: BridgeOptions = {}): Promise<Bridge> {
    const key = randomBytes(32);
    const python = await PythonProcess.spawn(key, options);
    const connection = new BridgeConnection(python.endpoint, key, (method, envelope) => new PythonError(method, envelope));
    void python.exited.then((exit) =>
      connection.close(new BridgeClosedError("the Python process exited", exit.code, exit.signal, python.stderrTail())),
    );
    let info: BridgeInfo;
    try {
      const hello = connection.call("system.hello", { protocolVersion: PROTOCOL_VERSION });
      info = METHODS["system.hello"].result.parse(await hello.result);
    } catch (error) {
      python.kill();
      await python.exited;
      if (error instanceof PythonError && error.code === ERROR_CODES.protocolMismatch) {
        throw new BridgeStartError(error.pythonMessage, "reinstall so that the TypeScript SDK and python-bridge come from the same version (`npm install`)");
      }
      throw error;
    }
    return new Bridge(python, connection, info);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get closed(): boolean {
    return this.closing !== undefined || this.process.hasExited !== undefined;
  }

  /** Calls a bridge method; params are validated here, the result when it arrives. */
  async call<M extends MethodName>(method: M, params: MethodParams<M>, options: CallOptions = {}): Promise<MethodResult<M>> {
    const schema = METHODS[method];
    const checked = schema.params.safeParse(params);
    if (!checked.success) throw ConfigError.fromZod(`params for ${method}`, checked.error);
    if (options.signal?.aborted) throw new AbortError(method);
    const { result } = this.connection.call(method, checked.data as Record<string, unknown>, { onEvent: options.onEvent });
    const raw = await result;
    const parsed = schema.result.safeParse(raw);
    if (!parsed.success) throw ConfigError.fromZod(`result of ${method} from Python`, parsed.error);
    return parsed.data as MethodResult<M>;
  }

  /** Asks Python to shut down, then makes sure the process is gone. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.process.hasExited) {
        const shutdown = this.connection.call("system.shutdown", {}).result.catch(() => undefined);
        await Promise.race([shutdown, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      }
      const exit = await this.process.stop();
      this.connection.close(new BridgeClosedError("the bridge was closed", exit.code, exit.signal));
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
