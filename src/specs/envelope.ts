// The shapes of every header frame that crosses the bridge. docs/protocol.md describes the wire;
// these schemas are its single source of truth (Python is tested against their JSON Schema).
import { z } from "zod";

export const DTYPES = [
  "float32",
  "float16",
  "bfloat16",
  "float64",
  "int64",
  "int32",
  "int16",
  "int8",
  "uint8",
  "bool",
] as const;
export const DtypeSchema = z.enum(DTYPES);
export type Dtype = z.infer<typeof DtypeSchema>;

/** Describes one raw tensor frame that follows the header, in order. */
export const TensorDescriptorSchema = z.strictObject({
  dtype: DtypeSchema,
  shape: z.array(z.number().int().nonnegative()).max(16),
  /** Set for a large tensor sent through the bridge's shared-memory folder; its frame is then empty. */
  shm: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
});
export type TensorDescriptor = z.infer<typeof TensorDescriptorSchema>;

/** In params and results, a tensor is replaced by a reference to its frame. */
export const TENSOR_REFERENCE_KEY = "__tensor__";

export const RequestHeaderSchema = z.strictObject({
  type: z.literal("request"),
  id: z.number().int().positive(),
  seq: z.number().int().positive(),
  method: z.string().min(1).max(128),
  params: z.record(z.string(), z.unknown()),
  tensors: z.array(TensorDescriptorSchema),
});
export type RequestHeader = z.infer<typeof RequestHeaderSchema>;

/** One field Python's validation refused: its path (keys and list indices, as zod's) and what is wrong. */
export const ConfigIssueSchema = z.strictObject({
  path: z.array(z.union([z.string(), z.number().int()])),
  message: z.string(),
});
export type ConfigIssue = z.infer<typeof ConfigIssueSchema>;

export const ErrorEnvelopeSchema = z.strictObject({
  code: z.string(),
  name: z.string(),
  message: z.string(),
  traceback: z.string(),
  /** Present when Python's validation refused params: TypeScript raises a ConfigError with them. */
  issues: z.array(ConfigIssueSchema).optional(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

const ReplyCommon = {
  id: z.number().int().positive(),
  seq: z.number().int().positive(),
  tensors: z.array(TensorDescriptorSchema),
};

export const OkReplyHeaderSchema = z.strictObject({
  ...ReplyCommon,
  type: z.literal("reply"),
  status: z.literal("ok"),
  result: z.unknown(),
});

export const ErrorReplyHeaderSchema = z.strictObject({
  ...ReplyCommon,
  type: z.literal("reply"),
  status: z.literal("error"),
  error: ErrorEnvelopeSchema,
});

/**
 * Streamed before the reply of a long call: `<noun>-start`, `<noun>-delta`, `<noun>-end`; and
 * `<noun>-request`, a question the caller answers on the control channel while the call waits.
 */
export const EventHeaderSchema = z.strictObject({
  ...ReplyCommon,
  type: z.literal("event"),
  event: z.string().regex(/^[a-z]+(-[a-z]+)*-(start|delta|end|request)$/),
  data: z.unknown(),
});

export const IncomingHeaderSchema = z.union([OkReplyHeaderSchema, ErrorReplyHeaderSchema, EventHeaderSchema]);
export type IncomingHeader = z.infer<typeof IncomingHeaderSchema>;
export type EventHeader = z.infer<typeof EventHeaderSchema>;
