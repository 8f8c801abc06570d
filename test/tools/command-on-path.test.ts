import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "../support/bounded-test.js";

import { commandOnPath } from "../../src/tools/command-on-path.js";

describe("commandOnPath", () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "command-on-path-"));
    await writeFile(join(directory, "runnable"), "#!/bin/sh\n");
    await chmod(join(directory, "runnable"), 0o755);
    await writeFile(join(directory, "not-runnable"), "text");
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("finds an executable in any PATH directory, not a plain file or a missing one", async () => {
    const path = ["/nonexistent-dir", directory].join(delimiter);
    assert.equal(await commandOnPath("runnable", path), true);
    assert.equal(await commandOnPath("not-runnable", path), false);
    assert.equal(await commandOnPath("missing", path), false);
    assert.equal(await commandOnPath("runnable", ""), false);
  });
});
