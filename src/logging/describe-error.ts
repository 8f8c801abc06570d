import { RagworkerError } from "../errors/ragworker-error.js";

/**
 * The fields of an error worth a log line, whatever was thrown: rag-corp's `exception` shape
 * (`type`, `message`, `stacktrace` as a list of lines) plus ragworker's own `code`, `retryable`
 * and `context` where the error has them. The logger writes it under `exception`.
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const described: Record<string, unknown> = {
      type: errorType(error),
      message: error.message,
      stacktrace: stackLines(error),
    };
    if (error instanceof RagworkerError) {
      return { ...described, code: error.code, retryable: error.retryable, context: error.context };
    }
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === "string" ? { ...described, code } : described;
  }
  return { type: error === null ? "null" : typeof error, message: String(error), stacktrace: [] };
}

/** The class name, as Python's `type(exc).__name__`; `name` when it says more (AbortError). */
function errorType(error: Error): string {
  if (error.name && error.name !== "Error") return error.name;
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof constructorName === "string" && constructorName !== "" ? constructorName : "Error";
}

function stackLines(error: Error): string[] {
  return typeof error.stack === "string" ? error.stack.split("\n") : [];
}
