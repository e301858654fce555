import type { z } from "zod";
import { EVENTS } from "../protocol/methods.js";
import type { StreamedEvent } from "./bridge-connection.js";

type EventName = keyof typeof EVENTS;

/** The data of one kind of event from a stream (or from a stream still being set up), validated. */
export async function* eventsNamed<E extends EventName>(
  stream: AsyncIterable<StreamedEvent> | Promise<AsyncIterable<StreamedEvent>>,
  name: E,
): AsyncGenerator<z.output<(typeof EVENTS)[E]>> {
  for await (const { event, data } of await stream) {
    if (event === name) yield EVENTS[name].parse(data) as z.output<(typeof EVENTS)[E]>;
  }
}
