/**
 * `ragworker ingest` with directories: which files a tree yields (listIngestFiles), and the real
 * command walking a directory while a real worker makes every file READY.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "../support/bounded-test.js";

import { listIngestFiles } from "../../src/cli/ingest-command.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

describe("listIngestFiles", () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "ragworker-ingest-list-"));
    root = join(base, "docs");
    await writeTree(root, {
      "b.txt": "b",
      "C.txt": "C",
      "a/z.md": "z",
      "a/.hidden.txt": "hidden file",
      "a/nested/deep.txt": "deep",
      ".git/config": "hidden directory",
    });
    await writeTree(base, { "outside/file.txt": "outside", "outside/more.txt": "more" });
    await symlink(root, join(root, "a", "loop")); // back to an ancestor
    await symlink(join(root, "b.txt"), join(root, "link-to-b")); // a second way to b.txt
    await symlink(join(base, "outside", "file.txt"), join(root, "other-link")); // a file elsewhere
    await symlink(join(base, "outside"), join(root, "outside-dir")); // a directory elsewhere
    await symlink(join(base, "nowhere"), join(root, "broken"));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("walks a directory in name order, skipping hidden entries, loops and broken links", async () => {
    const listed = await listIngestFiles([root]);
    assert.deepEqual(listed.files, [
      join(root, "C.txt"), // code-unit order: upper case before lower case, whatever the locale
      join(root, "a", "nested", "deep.txt"),
      join(root, "a", "z.md"),
      join(root, "b.txt"),
      join(root, "other-link"),
      // outside-dir/file.txt is other-link's file: taken once, where it was first reached.
      join(root, "outside-dir", "more.txt"),
    ]);
    assert.deepEqual(
      listed.skipped.map((entry) => [entry.path, entry.reason]),
      [
        [join(root, ".git"), "hidden"],
        [join(root, "a", ".hidden.txt"), "hidden"],
        [join(root, "a", "loop"), "symlink loop"],
        [join(root, "broken"), "broken symlink"],
      ],
    );
  });

  it("gives the same list every time", async () => {
    assert.deepEqual(await listIngestFiles([root]), await listIngestFiles([root]));
  });

  it("keeps the command line's order and takes a file reached twice once", async () => {
    const named = join(root, "b.txt");
    const listed = await listIngestFiles([named, join(root, "a"), root]);
    assert.deepEqual(listed.files, [
      named,
      join(root, "a", "nested", "deep.txt"),
      join(root, "a", "z.md"),
      join(root, "C.txt"),
      join(root, "other-link"),
      join(root, "outside-dir", "more.txt"),
    ]);
    assert.ok(
      listed.skipped.some(
        (entry) => entry.path === join(root, "a") && entry.reason === "directory already walked",
      ),
    );
  });

  it("takes a hidden file named on the command line", async () => {
    const hidden = join(root, "a", ".hidden.txt");
    assert.deepEqual((await listIngestFiles([hidden])).files, [hidden]);
  });

  it("fails on a named path that does not exist", async () => {
    await assert.rejects(listIngestFiles([join(base, "missing")]), { code: "ENOENT" });
  });

  it("an empty directory yields nothing", async () => {
    const empty = join(base, "empty");
    await mkdir(empty);
    assert.deepEqual(await listIngestFiles([empty]), { files: [], skipped: [] });
  });
});

describe("ragworker ingest DIR", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let dir: string;

  before(async () => {
    env = await createTestEnvironment("ingest-dir", { embeddingDim: 16 });
    worker = startWorkerProcess(env.env({ WORKER_THREADS: "2" }));
    await waitUntilServing(worker, 2);
    dir = await mkdtemp(join(tmpdir(), "ragworker-ingest-dir-"));
  });

  after(async () => {
    await worker?.stop();
    await env?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function runIngest(args: string[]): Promise<{ code: number | string; output: string }> {
    const ingest = startWorkerProcess(env.env(), ["ingest", ...args]);
    const code = await ingest.exited(90_000);
    return { code, output: ingest.stdout() + ingest.stderr() };
  }

  it("ingests every regular file under the directory and follows them to READY", async () => {
    await writeTree(dir, {
      "guide.md": "# Guide\n\nInstall the worker, then start it.\n",
      "notes/one.txt": "First note about ingestion.",
      "notes/deeper/two.txt": "Second note, one level deeper.",
      ".cache/skip.txt": "never ingested",
    });
    await symlink(dir, join(dir, "notes", "loop"));

    const { code, output } = await runIngest([dir, "--workspace", "ingest-dir", "--timeout", "60"]);
    assert.equal(code, 0, output);
    assert.match(output, /3 documents, 3 READY, 0 not READY/);
    assert.match(output, /skipped 1 hidden/);
    assert.match(output, /skipped .*loop: symlink loop/);

    const rows = await env.db.query<{ file_name: string; status: string; chunks: string }>(
      `SELECT d.file_name, d.status, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)::text AS chunks
         FROM documents d JOIN workspaces w ON w.id = d.workspace_id
        WHERE w.name = 'ingest-dir' ORDER BY d.created_at, d.file_name`,
    );
    assert.deepEqual(rows.rows.map((row) => row.file_name).sort(), ["guide.md", "one.txt", "two.txt"]);
    for (const row of rows.rows) {
      assert.equal(row.status, "READY", row.file_name);
      assert.ok(Number(row.chunks) >= 1, `${row.file_name} has chunks`);
    }
  });

  it("stops with a message, not EISDIR, when a directory holds no files", async () => {
    const empty = join(dir, "..", `${join(dir).split("/").pop() ?? "x"}-empty`);
    await mkdir(empty, { recursive: true });
    try {
      const { code, output } = await runIngest([empty, "--workspace", "ingest-dir", "--timeout", "5"]);
      assert.equal(code, 1, output);
      assert.match(output, /no files to ingest in /);
      assert.doesNotMatch(output, /EISDIR/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
