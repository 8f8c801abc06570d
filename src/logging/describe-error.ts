import { RagworkerError } from "../errors/ragworker-error.js";

/** The fields of an error worth a log line, whatever was thrown. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof RagworkerError) {
    return { code: error.code, retryable: error.retryable, message: error.message, context: error.context };
  }
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === "string" ? { code } : {}) };
  }
  return { message: String(error) };
}
