import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractOdt } from "../../src/extract/extract-odt.js";
import { makeOdt, makeZip } from "../support/document-fixtures.js";

describe("extractOdt", () => {
  it("splits at headings with their outline levels, lists as '- ' lines, tables as rows", async () => {
    const doc = await extractOdt(
      makeOdt([
        { paragraph: "Draft & notes" },
        { heading: "Guide", level: 1 },
        { heading: "Setup", level: 2 },
        { paragraph: "Install it." },
        { list: ["first step", "second step"] },
        { heading: "Contacts", level: 2 },
        {
          table: [
            ["Team", "Channel", ""],
            ["Platform", "#help", ""],
          ],
        },
        { heading: "Appendix", level: 1 },
        { paragraph: "Extra." },
      ]),
    );
    assert.deepEqual(doc, {
      format: "odt",
      sections: [
        { text: "Draft & notes", headingPath: [] },
        {
          text: "Guide\n\nSetup\n\nInstall it.\n\n- first step\n- second step",
          headingPath: ["Guide", "Setup"],
        },
        { text: "Contacts\n\nTeam | Channel\nPlatform | #help", headingPath: ["Guide", "Contacts"] },
        { text: "Appendix\n\nExtra.", headingPath: ["Appendix"] },
      ],
    });
  });

  it("refuses a document saved with a password as encrypted", async () => {
    await assert.rejects(
      extractOdt(makeOdt([{ paragraph: "secret" }], { encrypted: true })),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "ENCRYPTED_FILE");
        assert.match(error.message, /^encrypted odt/);
        return true;
      },
    );
  });

  it("reports an archive without content.xml as corrupt", async () => {
    await assert.rejects(
      extractOdt(makeZip({ mimetype: "application/vnd.oasis.opendocument.text" })),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "CORRUPT_FILE");
        assert.equal(error.message, "corrupt odt: no content.xml");
        return true;
      },
    );
  });
});
