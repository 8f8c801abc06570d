/** An error's message for a one-line reason (the first of an AggregateError's errors). */
export function errorReason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorReason(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}
