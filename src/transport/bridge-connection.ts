// One ZeroMQ DEALER socket to the Python ROUTER: matches replies to callers by request id,
// routes streamed events to their call, and sends through a single queue (zeromq.js throws
// EBUSY on a second concurrent send on one socket).
import { Dealer } from "zeromq";
import { IncomingHeaderSchema, type ErrorEnvelope } from "../specs/envelope.js";
import { ProtocolError } from "../errors.js";
import { decodeFrames, decodeTensors, encodeMessage, insertTensors } from "./message-codec.js";
import { receiveUntilClosed } from "./receive-loop.js";
import { SendQueue } from "./send-queue.js";
import type { SharedMemoryTransfer } from "./shared-memory.js";

export interface StreamedEvent {
  event: string;
  data: unknown;
}

export interface CallHandlers {
  onEvent?: (event: StreamedEvent) => void;
}

interface PendingCall extends CallHandlers {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

export class BridgeConnection {
  private readonly socket = new Dealer({ linger: 0 });
  private readonly pending = new Map<number, PendingCall>();
  private readonly sender = new SendQueue(this.socket);
  private nextId = 1;
  private nextSeq = 1;
  private lastPeerSeq = 0;
  private closedWith: Error | undefined;
  /** Messages that failed to decode are dropped, never thrown into the receive loop; counted for diagnostics. */
  droppedCount = 0;
  lastDropReason: string | undefined;

  constructor(
    endpoint: string,
    private readonly key: Buffer,
    private readonly onCallError: (method: string, envelope: ErrorEnvelope) => Error,
    private readonly sharedMemory?: SharedMemoryTransfer,
  ) {
    this.socket.connect(endpoint);
    void receiveUntilClosed(
      this.socket,
      (frames) => this.dispatch(frames),
      (error) => {
        this.droppedCount++;
        this.lastDropReason = error.message;
      },
    );
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  call(method: string, params: Record<string, unknown>, handlers: CallHandlers = {}): { id: number; result: Promise<unknown> } {
    const id = this.nextId++;
    const result = new Promise<unknown>((resolve, reject) => {
      if (this.closedWith) return reject(this.closedWith);
      let frames: Buffer[];
      try {
        frames = encodeMessage(this.key, { type: "request", id, seq: this.nextSeq++, method }, { params }, this.sharedMemory);
      } catch (error) {
        return reject(error as Error);
      }
      this.pending.set(id, { method, resolve, reject, ...handlers });
      this.enqueueSend(frames, id);
    });
    return { id, result };
  }

  private enqueueSend(frames: Buffer[], id: number): void {
    this.sender.send(frames).catch((error: Error) => {
      const call = this.pending.get(id);
      if (call) {
        this.pending.delete(id);
        call.reject(this.closedWith ?? error);
      }
    });
  }

  private dispatch(frames: Buffer[]): void {
    const { header, tensorFrames } = decodeFrames(this.key, frames);
    const parsed = IncomingHeaderSchema.safeParse(header);
    if (!parsed.success) throw new ProtocolError(`malformed header from Python: ${parsed.error.message}`);
    const message = parsed.data;
    const call = this.pending.get(message.id);
    if (message.seq <= this.lastPeerSeq || !call) {
      this.sharedMemory?.discard(message.tensors);
      throw new ProtocolError(call ? `replayed or reordered message (seq ${message.seq})` : `reply for unknown request ${message.id}`);
    }
    this.lastPeerSeq = message.seq;
    if (message.type === "event") {
      call.onEvent?.({ event: message.event, data: insertTensors(message.data, decodeTensors(message.tensors, tensorFrames, this.sharedMemory)) });
      return;
    }
    // A signed reply settles its call even when its frames are broken: a caller must never hang.
    this.pending.delete(message.id);
    if (message.status === "error") return call.reject(this.onCallError(call.method, message.error));
    try {
      call.resolve(insertTensors(message.result, decodeTensors(message.tensors, tensorFrames, this.sharedMemory)));
    } catch (error) {
      call.reject(error as Error);
    }
  }

  /** Rejects every pending call with `error` and closes the socket; later calls reject at once. */
  close(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
    this.socket.close();
  }
}
