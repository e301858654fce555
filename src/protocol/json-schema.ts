// JSON Schema of the wire, generated from the zod schemas, so that Python can be tested against
// the same source of truth (python-bridge/vader_bridge/protocol_schema.json).
import { z } from "zod";
import { ErrorEnvelopeSchema, EventHeaderSchema, OkReplyHeaderSchema, ErrorReplyHeaderSchema, RequestHeaderSchema } from "./envelope.js";
import { BUILT_IN_REWARDS } from "../reward/reward-spec.js";
import { METHODS } from "./methods.js";
import { PROTOCOL_VERSION } from "./version.js";

// Tensors are class instances in TypeScript and {__tensor__: i} references on the wire.
const toJson = (schema: z.ZodType, io: "input" | "output") => z.toJSONSchema(schema, { unrepresentable: "any", io, target: "draft-2020-12" });

export function protocolJsonSchema(): Record<string, unknown> {
  return {
    protocolVersion: PROTOCOL_VERSION,
    rewards: [...BUILT_IN_REWARDS],
    envelope: {
      request: toJson(RequestHeaderSchema, "output"),
      okReply: toJson(OkReplyHeaderSchema, "output"),
      errorReply: toJson(ErrorReplyHeaderSchema, "output"),
      event: toJson(EventHeaderSchema, "output"),
      error: toJson(ErrorEnvelopeSchema, "output"),
    },
    methods: Object.fromEntries(
      Object.entries(METHODS).map(([name, { params, result }]) => [name, { params: toJson(params, "output"), result: toJson(result, "output") }]),
    ),
  };
}
