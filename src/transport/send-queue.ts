/**
 * Serialises sends on one socket: zeromq.js throws EBUSY when a second send() starts before the
 * first one resolved, and 1,000 concurrent calls must all get through.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly socket: { send(frames: Buffer[]): Promise<void> }) {}

  send(frames: Buffer[]): Promise<void> {
    const sent = this.tail.then(() => this.socket.send(frames));
    this.tail = sent.catch(() => undefined);
    return sent;
  }
}
