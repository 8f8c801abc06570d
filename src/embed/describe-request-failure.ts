/**
 * One line for why an HTTP embedding request got no answer: a timeout, or the network error's
 * code (ECONNREFUSED, ENOTFOUND…) that fetch hides in its `cause`.
 */
export function describeRequestFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `timed out after ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause: unknown = error.cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: unknown }).code;
      return `network error: ${typeof code === "string" ? code : cause.message}`;
    }
    return `network error: ${error.message}`;
  }
  return `network error: ${String(error)}`;
}
