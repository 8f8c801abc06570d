import pg from "pg";
import { PermanentError } from "../errors/permanent-error.js";
import { RagworkerError } from "../errors/ragworker-error.js";
import { TransientError } from "../errors/transient-error.js";

// SQLSTATE classes where the statement itself is wrong or the data breaks a rule: retrying the
// same job cannot succeed. Everything else (connection loss, shutdown, deadlock, serialization,
// resource exhaustion, timeouts) may pass on a later attempt.
const PERMANENT_SQLSTATE_CLASSES = new Set(["22", "23", "42"]);

/** Wraps whatever a database call threw in a typed error that says whether to retry. */
export function classifyDatabaseError(error: unknown, operation: string): RagworkerError {
  if (error instanceof RagworkerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  // Only a server's error carries a SQLSTATE; a socket error's code (EPIPE) is an errno.
  const sqlstate = error instanceof pg.DatabaseError && typeof code === "string" ? code : undefined;
  if (sqlstate && PERMANENT_SQLSTATE_CLASSES.has(sqlstate.slice(0, 2))) {
    return new PermanentError(
      "DATABASE_REJECTED",
      `database rejected ${operation}: ${message}`,
      { sqlstate },
      { cause: error },
    );
  }
  return new TransientError(
    "DATABASE_UNAVAILABLE",
    `database error during ${operation}: ${message}`,
    { ...(sqlstate ? { sqlstate } : {}), ...(typeof code === "string" && !sqlstate ? { errno: code } : {}) },
    { cause: error },
  );
}
