import assert from "node:assert/strict";

import { PermanentError } from "../../src/errors/permanent-error.js";

/** For assert.rejects / assert.throws: a PermanentError with this code, its message matching. */
export function refusedAs(code: string, message: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof PermanentError);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}
