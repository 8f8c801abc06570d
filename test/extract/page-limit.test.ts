import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { assertPageCount } from "../../src/extract/page-limit.js";

describe("assertPageCount", () => {
  it("accepts up to the limit and refuses beyond it, naming the limit", () => {
    assertPageCount(2000, 2000, "pages");
    assert.throws(
      () => assertPageCount(2500, 2000, "pages"),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "TOO_MANY_PAGES");
        assert.equal(error.retryable, false);
        assert.equal(error.message, "too many pages: 2500 > MAX_PAGES=2000");
        assert.deepEqual(error.context, { count: 2500, limit: 2000, unit: "pages" });
        return true;
      },
    );
  });
});
