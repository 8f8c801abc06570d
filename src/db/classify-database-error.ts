import pg from "pg";
import { PermanentError } from "../errors/permanent-error.js";
import { RagworkerError } from "../errors/ragworker-error.js";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.js";
import { TransientError } from "../errors/transient-error.js";

// SQLSTATE classes where the statement itself is wrong or the data breaks a rule: retrying the
// same job cannot succeed. Everything else (connection loss, shutdown, deadlock, serialization,
// resource exhaustion, timeouts) may pass on a later attempt.
const PERMANENT_SQLSTATE_CLASSES = new Set(["22", "23", "42"]);

/**
 * The server is away or not taking work: connection exceptions (08), shutdown and start-up
 * (57P01-57P03), no free connection slot (53300), a replica that refuses writes after a failover
 * (25006), a database that does not exist (3D000), refused credentials (28). The document is not
 * at fault: the job goes back without spending an attempt and the database circuit opens.
 */
const OUTAGE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "25006", "3D000"]);
const OUTAGE_SQLSTATE_CLASSES = new Set(["08", "28"]);
/** node-postgres' own words for a connection that never came or went away (no SQLSTATE, no errno). */
const CONNECTION_MESSAGE =
  /connection terminated|connection error|timeout exceeded when trying to connect|connect(ion)? timeout/i;

function isOutage(error: unknown, sqlstate: string | undefined, code: unknown, message: string): boolean {
  if (sqlstate !== undefined)
    return OUTAGE_SQLSTATES.has(sqlstate) || OUTAGE_SQLSTATE_CLASSES.has(sqlstate.slice(0, 2));
  // A socket's errno (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, EPIPE...).
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return true;
  return error instanceof Error && CONNECTION_MESSAGE.test(message);
}

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
  if (isOutage(error, sqlstate, code, message)) {
    return new DependencyUnavailableError(
      "database",
      "DATABASE_UNAVAILABLE",
      `database unavailable during ${operation}: ${message}`,
      {
        credentialsRejected: sqlstate?.startsWith("28") ?? false,
        context: {
          ...(sqlstate ? { sqlstate } : {}),
          ...(typeof code === "string" && !sqlstate ? { errno: code } : {}),
        },
      },
      { cause: error },
    );
  }
  // Deadlocks, serialization failures, statement timeouts: may pass next time, but may also be
  // this document's doing (a huge write), so they spend an attempt like any transient failure.
  return new TransientError(
    "DATABASE_UNAVAILABLE",
    `database error during ${operation}: ${message}`,
    { ...(sqlstate ? { sqlstate } : {}), ...(typeof code === "string" && !sqlstate ? { errno: code } : {}) },
    { cause: error },
  );
}
