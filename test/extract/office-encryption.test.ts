import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { assertNotEncryptedOfficeContainer } from "../../src/extract/office-encryption.js";
import { makeEncryptedOfficeFile, makeLegacyCompoundFile } from "../support/document-fixtures.js";

describe("assertNotEncryptedOfficeContainer", () => {
  it("refuses an OLE container holding an EncryptedPackage", () => {
    assert.throws(
      () => assertNotEncryptedOfficeContainer(makeEncryptedOfficeFile()),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "ENCRYPTED_FILE");
        assert.equal(error.message, "encrypted office document: it opens only with a password");
        return true;
      },
    );
  });

  it("lets other compound files and unreadable bytes through, for the caller to refuse as unsupported", () => {
    assertNotEncryptedOfficeContainer(makeLegacyCompoundFile());
    const truncated = makeEncryptedOfficeFile().subarray(0, 600);
    assertNotEncryptedOfficeContainer(truncated);
  });
});
