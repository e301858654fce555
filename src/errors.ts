// Every error the SDK throws, with all message text made here so that tests can pin it.
import type { z } from "zod";
import type { ConfigIssue, ErrorEnvelope } from "./specs/envelope.js";

/** The base class of the SDK's own errors (ConfigError, PythonError, BridgeClosedError, AbortError, ...). */
export class VaderError extends Error {
  override name = "VaderError";
}

/**
 * A config or call argument failed validation, in TypeScript (zod) or in Python (the JSON Schema
 * generated from the same zod schemas, or a check that needs a runtime fact such as a model's
 * frame count); `issues` name each field, the problem and the fix.
 */
export class ConfigError extends VaderError {
  override name = "ConfigError";
  constructor(
    readonly subject: string,
    readonly issues: string[],
    options?: ErrorOptions,
  ) {
    super(`Invalid ${subject}:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`, options);
  }

  /** A ConfigError with one issue per zod issue, each naming its field. */
  static fromZod(subject: string, error: z.ZodError): ConfigError {
    return new ConfigError(subject, error.issues.map(describeIssue));
  }

  /** Issues found by Python's validation; `cause` is the PythonError with the traceback. */
  static fromPython(subject: string, issues: ConfigIssue[], cause: Error): ConfigError {
    return new ConfigError(subject, issues.map(describeIssue), { cause });
  }
}

function describeIssue(issue: { path: readonly PropertyKey[]; message: string }): string {
  const field = issue.path.length === 0 ? "(root)" : issue.path.map(String).join(".");
  // Our own messages read as a sentence after the field ("truncation.k must be ..."); zod's own do not.
  return /^(must|is |has )/.test(issue.message) ? `${field} ${issue.message}` : `${field}: ${issue.message}`;
}

/** Python raised; carries the exception's name, message and the Python traceback. */
export class PythonError extends VaderError {
  override name = "PythonError";
  readonly code: string;
  readonly pythonName: string;
  readonly pythonMessage: string;
  readonly traceback: string;
  constructor(method: string, envelope: ErrorEnvelope) {
    super(`${envelope.name} in Python while running ${method}: ${envelope.message}`);
    this.code = envelope.code;
    this.pythonName = envelope.name;
    this.pythonMessage = envelope.message;
    this.traceback = envelope.traceback;
    if (envelope.traceback) this.stack = `${this.stack}\n\nPython traceback:\n${envelope.traceback}`;
  }
}

/** The Python process went away (or was never reachable); every pending call rejects with this. */
export class BridgeClosedError extends VaderError {
  override name = "BridgeClosedError";
  constructor(
    readonly reason: string,
    readonly exitCode: number | null = null,
    readonly signal: string | null = null,
    readonly stderrTail: string = "",
  ) {
    const how = exitCode !== null ? ` (exit code ${exitCode})` : signal !== null ? ` (signal ${signal})` : "";
    const tail = stderrTail ? `\nLast lines of Python's stderr:\n${stderrTail}` : "";
    super(`The Python bridge closed: ${reason}${how}.${tail}`);
  }
}

/** The bridge could not be started; the message says why and how to fix it. */
export class BridgeStartError extends VaderError {
  override name = "BridgeStartError";
  constructor(
    readonly problem: string,
    readonly fix: string,
    readonly stderrTail: string = "",
  ) {
    super(`Could not start the Python bridge: ${problem}\nFix: ${fix}${stderrTail ? `\nPython's stderr:\n${stderrTail}` : ""}`);
  }
}

/** A frame from the peer broke the protocol (bad header, wrong frame count, lying shapes). */
export class ProtocolError extends VaderError {
  override name = "ProtocolError";
}

/** Thrown by long calls whose AbortSignal fired. */
export class AbortError extends VaderError {
  override name = "AbortError";
  constructor(what: string, cause?: PythonError) {
    // Python's message already says what stopped where ("trainer.fit was cancelled after 3 of 20 steps").
    super(cause ? cause.pythonMessage : `${what} was aborted`, cause ? { cause } : undefined);
  }
}
