// The control channel: cancel, ping and answers on their own socket, served by a Python thread
// that a busy training step cannot block.
import { Dealer } from "zeromq";
import { z } from "zod";
import { decodeFrames, encodeMessage } from "./message-codec.js";
import { receiveUntilClosed } from "./receive-loop.js";
import { SendQueue } from "./send-queue.js";

const ControlReply = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("cancel-ack"), id: z.number().int(), seq: z.number().int() }),
  z.strictObject({ type: z.literal("pong"), nonce: z.number().int(), time: z.number(), seq: z.number().int() }),
  z.strictObject({ type: z.literal("answer-ack"), question: z.number().int(), accepted: z.boolean(), seq: z.number().int() }),
]);

/** The answer to a question (a `<noun>-request` event) that a call asked while it waits: a result, or why there is none. */
export const ControlAnswer = z.discriminatedUnion("status", [
  z.strictObject({ status: z.literal("ok"), result: z.record(z.string(), z.unknown()) }),
  z.strictObject({ status: z.literal("error"), message: z.string() }),
]);
export type ControlAnswer = z.output<typeof ControlAnswer>;

type ControlReply = z.output<typeof ControlReply>;

export class ControlConnection {
  private readonly socket = new Dealer({ linger: 0 });
  private readonly sender = new SendQueue(this.socket);
  private readonly waiting = new Map<string, (answered: boolean) => void>();
  private readonly acceptance = new Map<string, (reply: ControlReply) => boolean>();
  private nextSeq = 1;
  private nextNonce = 1;
  private lastPeerSeq = 0;

  constructor(
    endpoint: string,
    private readonly key: Buffer,
  ) {
    this.socket.connect(endpoint);
    // A malformed control reply is dropped; the caller's timeout answers for it.
    void receiveUntilClosed(this.socket, (frames) => this.handleReply(frames), () => undefined);
  }

  /** Asks Python to stop request `id` at its next step boundary; resolves when Python noted it. */
  cancel(id: number, timeoutMs = 2000): Promise<boolean> {
    return this.exchange(`cancel-${id}`, { type: "cancel", id }, timeoutMs);
  }

  /** Round trip on the control channel in milliseconds, or undefined if Python did not answer. */
  async ping(timeoutMs = 2000): Promise<number | undefined> {
    const nonce = this.nextNonce++;
    const started = performance.now();
    const answered = await this.exchange(`pong-${nonce}`, { type: "ping", nonce }, timeoutMs);
    return answered ? performance.now() - started : undefined;
  }

  /**
   * Answers question `question` of a waiting call; resolves true when Python took it, false when
   * nobody waits for it any more (the call gave up: cancelled or timed out) or Python did not ack.
   */
  answer(question: number, answer: ControlAnswer, timeoutMs = 5000): Promise<boolean> {
    const checked = ControlAnswer.parse(answer);
    return this.exchange(`answer-${question}`, { type: "answer", question, ...checked }, timeoutMs, (reply) => reply.type === "answer-ack" && reply.accepted);
  }

  private exchange(waitKey: string, header: Record<string, unknown>, timeoutMs: number, accepted: (reply: ControlReply) => boolean = () => true): Promise<boolean> {
    this.waiting.get(waitKey)?.(false); // a repeated cancel replaces the earlier wait
    return new Promise((resolve) => {
      const settle = (answered: boolean) => {
        clearTimeout(timer);
        if (this.waiting.get(waitKey) === settle) {
          this.waiting.delete(waitKey);
          this.acceptance.delete(waitKey);
        }
        resolve(answered);
      };
      const timer = setTimeout(() => settle(false), timeoutMs);
      timer.unref();
      this.waiting.set(waitKey, settle);
      this.acceptance.set(waitKey, accepted);
      const frames = encodeMessage(this.key, { ...header, seq: this.nextSeq++ }, {});
      this.sender.send(frames).catch(() => settle(false));
    });
  }

  private handleReply(frames: Buffer[]): void {
    const reply = ControlReply.parse(decodeFrames(this.key, frames).header);
    if (reply.seq <= this.lastPeerSeq) return;
    this.lastPeerSeq = reply.seq;
    const waitKey = reply.type === "cancel-ack" ? `cancel-${reply.id}` : reply.type === "pong" ? `pong-${reply.nonce}` : `answer-${reply.question}`;
    this.waiting.get(waitKey)?.(this.acceptance.get(waitKey)?.(reply) ?? true);
  }

  close(): void {
    if (!this.socket.closed) this.socket.close();
    for (const settle of [...this.waiting.values()]) settle(false);
  }
}
