/** Codes carried in the error envelope; Python's server.py uses the same strings. */
export const ERROR_CODES = {
  badRequest: "BAD_REQUEST",
  unknownMethod: "UNKNOWN_METHOD",
  unknownHandle: "UNKNOWN_HANDLE",
  invalidArgument: "INVALID_ARGUMENT",
  pythonException: "PYTHON_EXCEPTION",
  protocolMismatch: "PROTOCOL_MISMATCH",
  cancelled: "CANCELLED",
} as const;
/** One of the codes in `ERROR_CODES`. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
