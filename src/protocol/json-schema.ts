// JSON Schema of the wire, generated from the zod schemas, so that Python validates against the
// same source of truth (python-bridge/vader_bridge/protocol_schema.json).
import { z } from "zod";
import { ErrorEnvelopeSchema, ErrorReplyHeaderSchema, EventHeaderSchema, OkReplyHeaderSchema, RequestHeaderSchema } from "../specs/envelope.js";
import { IMPLEMENTATIONS } from "../specs/implementations.js";
import { RewardSpecSchema } from "../specs/reward-spec.js";
import { SchedulerConfig } from "../specs/scheduler-config.js";
import { METHODS } from "./methods.js";
import { PROTOCOL_VERSION } from "./version.js";

// Tensors are class instances in TypeScript and {__tensor__: i} references on the wire.
// "input" schemas carry zod's defaults as optional fields with `default`, which Python fills in.
const toJson = (schema: z.ZodType, io: "input" | "output") => z.toJSONSchema(schema, { unrepresentable: "any", io, target: "draft-2020-12" });

export function protocolJsonSchema(): Record<string, unknown> {
  return {
    protocolVersion: PROTOCOL_VERSION,
    envelope: {
      request: toJson(RequestHeaderSchema, "output"),
      okReply: toJson(OkReplyHeaderSchema, "output"),
      errorReply: toJson(ErrorReplyHeaderSchema, "output"),
      event: toJson(EventHeaderSchema, "output"),
      error: toJson(ErrorEnvelopeSchema, "output"),
    },
    methods: Object.fromEntries(
      Object.entries(METHODS).map(([name, { params, result }]) => [name, { params: toJson(params, "input"), result: toJson(result, "output") }]),
    ),
    /** The specs that name an implementation, checked before the implementation's own config. */
    specs: { scheduler: toJson(SchedulerConfig, "input"), reward: toJson(RewardSpecSchema, "input") },
    /** Each built-in implementation's own config, by noun and name. */
    configs: Object.fromEntries(
      Object.entries(IMPLEMENTATIONS).map(([kind, byName]) => [
        kind,
        Object.fromEntries(Object.entries(byName).map(([name, schema]) => [name, toJson(schema as z.ZodType, "input")])),
      ]),
    ),
  };
}
