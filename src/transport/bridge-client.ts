// The connection to the Python process: start it, call methods, stream events, cancel, close.
// `Bridge` (src/bridge.ts) is this plus the Python escape hatch, which sits a layer above.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ERROR_CODES } from "../protocol/error-codes.js";
import { METHODS, type BridgeInfo, type MethodName, type MethodParams, type MethodResult } from "../protocol/methods.js";
import type { ErrorEnvelope } from "../specs/envelope.js";
import { PROTOCOL_VERSION } from "../protocol/version.js";
import { AbortError, BridgeClosedError, BridgeStartError, ConfigError, ProtocolError, PythonError } from "../errors.js";
import { BridgeConnection, type StreamedEvent } from "./bridge-connection.js";
import { type ControlAnswer, ControlConnection } from "./control-connection.js";
import { EventQueue } from "./event-queue.js";
import { DistributedFields, requireRendezvous } from "./distributed-launch.js";
import { DEFAULT_START_TIMEOUT_MS, PythonProcess, type PythonProcessOptions } from "./python-process.js";
import { SharedMemoryTransfer } from "./shared-memory.js";

/** Options of `Bridge.start`: which Python to spawn, how long it may take to start, and how tensors travel. */
export interface BridgeOptions extends PythonProcessOptions {
  /**
   * Tensors of at least this many bytes travel through a private tmpfs folder instead of the
   * socket (default 32 MiB); `false` sends every tensor as a raw frame.
   */
  sharedMemoryThreshold?: number | false;
}

const BridgeOptionsSchema = z
  .strictObject({
    python: z.string().min(1).optional(),
    startTimeoutMs: z.number().int().min(1).max(3_600_000).optional(),
    env: z.record(z.string(), z.string()).optional(),
    torchThreads: z.number().int().min(1).max(1024).optional(),
    sharedMemoryThreshold: z.union([z.literal(false), z.number().int().min(1).max(2 ** 40)]).optional(),
    ...DistributedFields.shape,
  })
  .superRefine(requireRendezvous);

/** Events that ask the caller something (answered through `CallOptions.answer`). */
const QUESTION = /-request$/;

/** Options of one `call`: a listener for its streamed events and a signal that cancels it. */
export interface CallOptions {
  /** Receives each event (`<noun>-start|delta|end`) that Python streams before the call's result. */
  onEvent?: (event: StreamedEvent) => void;
  /**
   * Aborting asks Python (on the control channel) to stop at its next step boundary; the call
   * then rejects with AbortError. A call Python finished anyway resolves with its result.
   */
  signal?: AbortSignal;
  /**
   * Answers the call's questions: events named `<noun>-request` that Python emits mid-call and then
   * waits on (a TypeScript reward function's scores). Its result goes back on the control channel;
   * a throw goes back as the error's message. A question this call has no `answer` for is answered
   * with an error at once, so that Python never waits on it.
   */
  answer?: (question: StreamedEvent) => Promise<Record<string, unknown>>;
}

/** A long call in progress: its events as they stream, and its final result. */
export interface Stream<M extends MethodName> extends AsyncIterable<StreamedEvent> {
  readonly result: Promise<MethodResult<M>>;
}

/** What `BridgeClient.connect` hands to a constructor: the process, both channels, the handshake's answer. */
export interface BridgeParts {
  readonly process: PythonProcess;
  readonly connection: BridgeConnection;
  readonly control: ControlConnection;
  readonly info: BridgeInfo;
}

/** Python's error envelope as the error TypeScript throws: AbortError, ConfigError (issues from Python's validation) or PythonError. */
function errorFromEnvelope(method: string, envelope: ErrorEnvelope): Error {
  if (envelope.code === ERROR_CODES.cancelled) return new AbortError(method, new PythonError(method, envelope));
  if (envelope.issues) return ConfigError.fromPython(`params for ${method} (checked in Python)`, envelope.issues, new PythonError(method, envelope));
  return new PythonError(method, envelope);
}

/** The connection to one Python bridge process; `Bridge` adds the Python escape hatch. */
export class BridgeClient implements AsyncDisposable {
  private closing: Promise<void> | undefined;
  private readonly process: PythonProcess;
  private readonly connection: BridgeConnection;
  private readonly control: ControlConnection;
  /** The handshake's answer: protocol version, Python and package versions, device and placement. */
  readonly info: BridgeInfo;

  protected constructor(parts: BridgeParts) {
    ({ process: this.process, connection: this.connection, control: this.control, info: this.info } = parts);
  }

  /** Spawns the Python bridge, connects both channels, and checks the protocol version. */
  protected static async connect(options: BridgeOptions = {}): Promise<BridgeParts> {
    const checked = BridgeOptionsSchema.safeParse(options);
    if (!checked.success) throw ConfigError.fromZod("bridge options", checked.error);
    const key = randomBytes(32);
    const { sharedMemoryThreshold, ...processOptions } = checked.data;
    const sharedMemory = sharedMemoryThreshold === false ? undefined : SharedMemoryTransfer.create(sharedMemoryThreshold);
    const sharedMemoryEnv: Record<string, string> = sharedMemory
      ? { VADER_BRIDGE_SHM_DIR: sharedMemory.directory, VADER_BRIDGE_SHM_THRESHOLD: String(sharedMemory.threshold) }
      : {};
    let python: PythonProcess;
    try {
      python = await PythonProcess.spawn(key, { ...processOptions, env: { ...processOptions.env, ...sharedMemoryEnv } });
    } catch (error) {
      sharedMemory?.dispose();
      throw error;
    }
    const connection = new BridgeConnection(python.endpoint, key, errorFromEnvelope, sharedMemory);
    const control = new ControlConnection(python.controlEndpoint, key);
    void python.exited.then((exit) => {
      sharedMemory?.dispose();
      control.close();
      connection.close(new BridgeClosedError(python.exitReason(), exit.code, exit.signal, python.stderrTail()));
    });
    let info: BridgeInfo;
    try {
      const hello = connection.call("system.hello", { protocolVersion: PROTOCOL_VERSION });
      const timeoutMs = processOptions.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BridgeStartError(`the bridge did not answer the handshake within ${timeoutMs} ms`, "set VADER_BRIDGE_DEBUG=1 to see Python's stderr", python.stderrTail())), timeoutMs);
      });
      info = METHODS["system.hello"].result.parse(await Promise.race([hello.result, timedOut]).finally(() => clearTimeout(timer)));
    } catch (error) {
      python.kill();
      await python.exited;
      if (error instanceof PythonError && error.code === ERROR_CODES.protocolMismatch) {
        throw new BridgeStartError(error.pythonMessage, "reinstall so that the TypeScript SDK and python-bridge come from the same version (`npm install`)");
      }
      throw error;
    }
    return { process: python, connection, control, info };
  }

  /** The pid of the Python bridge process. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The ZeroMQ endpoint of the request socket (an ipc path in a 0700 folder). */
  get endpoint(): string {
    return this.process.endpoint;
  }

  /** True once `close` was called or the Python process has exited. */
  get closed(): boolean {
    return this.closing !== undefined || this.process.hasExited !== undefined;
  }

  /** Calls a bridge method; params are validated here, the result when it arrives. */
  async call<M extends MethodName>(method: M, params: MethodParams<M>, options: CallOptions = {}): Promise<MethodResult<M>> {
    const schema = METHODS[method];
    const checked = schema.params.safeParse(params);
    if (!checked.success) throw ConfigError.fromZod(`params for ${method}`, checked.error);
    const { signal } = options;
    if (signal?.aborted) throw new AbortError(method);
    const onEvent = (event: StreamedEvent) => (QUESTION.test(event.event) ? void this.answerQuestion(method, event, options.answer) : options.onEvent?.(event));
    const { id, result } = this.connection.call(method, checked.data as Record<string, unknown>, { onEvent });
    const onAbort = () => void this.control.cancel(id);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const parsed = schema.result.safeParse(await result);
      if (!parsed.success) throw new ProtocolError(`Python's result for ${method} does not match its schema: ${ConfigError.fromZod("result", parsed.error).issues.join("; ")}`);
      return parsed.data as MethodResult<M>;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Runs `answer` on one question of a call and sends its result (or its error's message) back on the control channel. */
  private async answerQuestion(method: string, question: StreamedEvent, answer: CallOptions["answer"]): Promise<void> {
    const id = (question.data as { question?: unknown } | null)?.question;
    if (typeof id !== "number" || !Number.isInteger(id)) return; // nothing to answer to; Python's own time limit ends its wait
    let reply: ControlAnswer;
    try {
      if (!answer) throw new Error(`${method} was called without a handler for its ${question.event} events`);
      reply = { status: "ok", result: await answer(question) };
    } catch (error) {
      reply = { status: "error", message: error instanceof Error ? error.message : String(error) };
    }
    await this.control.answer(id, reply);
  }

  /** Like `call`, but the events come as an AsyncIterable; iterating also surfaces the call's failure. */
  stream<M extends MethodName>(method: M, params: MethodParams<M>, options: Omit<CallOptions, "onEvent"> = {}): Stream<M> {
    const events = new EventQueue<StreamedEvent>();
    const result = this.call(method, params, { ...options, onEvent: (event) => events.push(event) });
    result.then(
      () => events.end(),
      (error: unknown) => events.fail(error),
    );
    result.catch(() => undefined); // observed through the iterator or `result`, whichever the caller uses
    return { result, [Symbol.asyncIterator]: () => events[Symbol.asyncIterator]() };
  }

  /** Round trip on the control channel in ms (answered even mid-training), or undefined on timeout. */
  ping(timeoutMs?: number): Promise<number | undefined> {
    return this.control.ping(timeoutMs);
  }

  /** Ends the Python process at once (SIGKILL): pending calls reject with BridgeClosedError. */
  async kill(): Promise<void> {
    this.process.kill();
    await this.process.exited;
  }

  /** Asks Python to shut down, then makes sure the process is gone. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.process.hasExited) {
        const shutdown = this.connection.call("system.shutdown", {}).result.catch(() => undefined);
        await Promise.race([shutdown, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      }
      const exit = await this.process.stop();
      this.control.close();
      this.connection.close(new BridgeClosedError("the bridge was closed", exit.code, exit.signal));
    })();
    return this.closing;
  }

  /** `await using bridge = ...` closes the bridge at the end of the block, as `close` does. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
