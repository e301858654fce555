/** Turns pushed values plus a final promise into an AsyncIterable (for streamed call events). */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly buffered: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private waitingReject: ((error: unknown) => void) | undefined;
  private finished = false;
  private failure: { error: unknown } | undefined;
  private iterated = false;

  push(value: T): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.waitingReject = undefined;
      resolve({ value, done: false });
    } else {
      this.buffered.push(value);
    }
  }

  end(): void {
    this.finished = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = this.waitingReject = undefined;
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.waitingReject?.(error);
    this.waiting = this.waitingReject = undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    // Events are consumed as they are read: two readers would each see half of them.
    if (this.iterated) throw new Error("this stream can be iterated once; keep the values you need");
    this.iterated = true;
    for (;;) {
      if (this.buffered.length > 0) {
        yield this.buffered.shift() as T;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.finished) return;
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        this.waiting = resolve;
        this.waitingReject = reject;
      });
      if (next.done) return;
      yield next.value;
    }
  }
}
