// Ctrl-C in a long CLI job: the first press asks the job to stop at the next step boundary (its
// metrics and LoRA are saved); the second ends the Python bridge at once.
import type { Bridge } from "../bridge.js";

export interface CtrlC {
  /** Aborted by the first Ctrl-C; pass it to fit() or compare(). */
  signal: AbortSignal;
  /** Stops listening (Ctrl-C ends the process again). */
  release(): void;
}

/** Listens for SIGINT until released; `firstPress` says what the first press does (it aborts `stopping`). */
export function stopOnCtrlC(bridge: Bridge, print: (line: string) => void, firstPress: string, stopping = new AbortController()): CtrlC {
  const onInterrupt = () => {
    if (!stopping.signal.aborted) {
      print(`Ctrl-C: ${firstPress}; press Ctrl-C again to end Python at once`);
      stopping.abort();
    } else {
      void bridge.kill();
    }
  };
  process.on("SIGINT", onInterrupt);
  return { signal: stopping.signal, release: () => void process.off("SIGINT", onInterrupt) };
}
