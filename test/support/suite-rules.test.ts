/**
 * Rules of the suite itself, checked on the test files' text: every test and hook gets a timeout
 * (test files use test/support/bounded-test.ts, not "node:test" directly), and there is one text
 * generator (test/support/text.ts).
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "./bounded-test.js";

const TEST_ROOT = fileURLToPath(new URL("..", import.meta.url));

async function testFiles(): Promise<Array<{ path: string; text: string }>> {
  const files = (await readdir(TEST_ROOT, { recursive: true })).filter(
    (path) => path.endsWith(".test.ts") && !path.includes("node_modules"),
  );
  return Promise.all(
    files.map(async (path) => ({ path, text: await readFile(join(TEST_ROOT, path), "utf8") })),
  );
}

describe("the test suite", () => {
  it('imports describe, it, before and after from bounded-test.ts, never from "node:test"', async () => {
    const direct = (await testFiles())
      .filter(({ text }) => /^import [^;]* from "node:test";/m.test(text))
      .map(({ path }) => path);
    assert.deepEqual(
      direct,
      [],
      "these test files bypass the default timeouts of test/support/bounded-test.ts",
    );
  });

  it("has one paragraph generator, in test/support/text.ts", async () => {
    const copies = (await testFiles())
      .filter(({ text }) => /function paragraph\s*\(/.test(text))
      .map(({ path }) => path);
    assert.deepEqual(copies, [], "import paragraph() from test/support/text.ts instead");
  });
});
