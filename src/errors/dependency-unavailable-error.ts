import type { TransientCode } from "./error-code.js";
import type { ErrorContext } from "./ragworker-error.js";
import { TransientError } from "./transient-error.js";

/** What a document's processing depends on besides Redis: each has its own circuit. */
export type Dependency = "storage" | "embedding" | "database";

export const DEPENDENCIES: readonly Dependency[] = ["storage", "embedding", "database"];

/**
 * A dependency is down (unreachable, 5xx, throttling past its own retries, a database connection
 * refused or failing over) or refuses the deployment's credentials. None of it is the document's
 * fault: the job goes back to the queue without spending an attempt, and the supervisor stops
 * fetching work until a probe finds the dependency back (see DependencyCircuits).
 */
export class DependencyUnavailableError extends TransientError {
  readonly dependency: Dependency;
  /** 401/403 and the like: an operator must fix the credentials; said loudly, never per document. */
  readonly credentialsRejected: boolean;

  constructor(
    dependency: Dependency,
    code: TransientCode,
    message: string,
    details: { readonly credentialsRejected?: boolean; readonly context?: ErrorContext } = {},
    options?: ErrorOptions,
  ) {
    super(code, message, details.context, options);
    this.dependency = dependency;
    this.credentialsRejected = details.credentialsRejected ?? false;
  }
}
