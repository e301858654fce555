/**
 * Hands every message a socket receives to `handle` until the socket closes. A message that
 * `handle` cannot use is passed to `drop`: one bad message never ends the loop.
 */
export async function receiveUntilClosed(
  socket: { readonly closed: boolean; receive(): Promise<Buffer[]> },
  handle: (frames: Buffer[]) => void,
  drop: (error: Error) => void,
): Promise<void> {
  while (!socket.closed) {
    let frames: Buffer[];
    try {
      frames = await socket.receive();
    } catch {
      return; // the socket was closed
    }
    try {
      handle(frames);
    } catch (error) {
      drop(error as Error);
    }
  }
}
