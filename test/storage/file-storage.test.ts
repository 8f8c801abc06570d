import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import type { PermanentCode } from "../../src/errors/error-code.js";
import { createStorage, storagePathFromUrl } from "../../src/storage/create-storage.js";
import { FileStorage } from "../../src/storage/file-storage.js";

const MAX = 1024 * 1024;

async function assertPermanent(work: Promise<unknown>, code: PermanentCode): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof PermanentError, `expected PermanentError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.retryable, false);
    return true;
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe("FileStorage", () => {
  let base: string;
  let root: string;
  let outside: string;
  let storage: FileStorage;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "ragworker-file-storage-"));
    root = join(base, "root");
    outside = join(base, "outside");
    await mkdir(root);
    await mkdir(outside);
    await writeFile(join(outside, "secret.txt"), "outside the root");
    storage = new FileStorage(root);
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("reads back what it wrote, creating the key's directories", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await storage.write("ws-1/doc-1/report.pdf", bytes);
    assert.deepEqual(await readFile(join(root, "ws-1/doc-1/report.pdf")), Buffer.from(bytes));
    const read = await storage.read("ws-1/doc-1/report.pdf", MAX);
    assert.deepEqual(Buffer.from(read), Buffer.from(bytes));
  });

  it("overwrites an existing key", async () => {
    await storage.write("same.txt", new TextEncoder().encode("first version"));
    await storage.write("same.txt", new TextEncoder().encode("second"));
    assert.equal(new TextDecoder().decode(await storage.read("same.txt", MAX)), "second");
  });

  it("reads an empty file", async () => {
    await storage.write("empty.txt", new Uint8Array());
    assert.equal((await storage.read("empty.txt", MAX)).byteLength, 0);
  });

  it("describes itself by the absolute root", () => {
    assert.equal(storage.description, `file://${root}`);
    assert.equal(new FileStorage(join(root, "x", "..")).description, `file://${root}`);
  });

  it("accepts a key that climbs out and back in", async () => {
    await storage.write("a/b.txt", new TextEncoder().encode("inside"));
    assert.equal(new TextDecoder().decode(await storage.read("a/../a/./b.txt", MAX)), "inside");
  });

  for (const key of ["../outside/secret.txt", "a/../../outside/secret.txt", "..", "", ".", "a/.."]) {
    it(`rejects the key ${JSON.stringify(key)} (STORAGE_KEY_REJECTED) for read and write`, async () => {
      await assertPermanent(storage.read(key, MAX), "STORAGE_KEY_REJECTED");
      await assertPermanent(storage.write(key, new Uint8Array([1])), "STORAGE_KEY_REJECTED");
    });
  }

  it("rejects an absolute key, even one that points inside the root", async () => {
    const inside = join(root, "ws-1/doc-1/report.pdf");
    for (const key of [join(outside, "secret.txt"), inside, "/etc/passwd"]) {
      await assertPermanent(storage.read(key, MAX), "STORAGE_KEY_REJECTED");
    }
    await assertPermanent(
      storage.write(join(outside, "planted.txt"), new Uint8Array([1])),
      "STORAGE_KEY_REJECTED",
    );
    assert.equal(await exists(join(outside, "planted.txt")), false);
  });

  it("rejects a key with a NUL byte", async () => {
    await assertPermanent(storage.read("ws-1/doc-1/report.pdf\0.txt", MAX), "STORAGE_KEY_REJECTED");
  });

  it("does not write outside the root through a rejected key", async () => {
    await assertPermanent(
      storage.write("../outside/planted.txt", new Uint8Array([1])),
      "STORAGE_KEY_REJECTED",
    );
    assert.equal(await exists(join(outside, "planted.txt")), false);
  });

  it("rejects a symlink inside the root that points to a file outside", async () => {
    await symlink(join(outside, "secret.txt"), join(root, "link-to-secret.txt"));
    await assertPermanent(storage.read("link-to-secret.txt", MAX), "STORAGE_KEY_REJECTED");
  });

  it("rejects a path through a symlinked directory that leads outside", async () => {
    await symlink(outside, join(root, "link-to-outside"), "dir");
    await assertPermanent(storage.read("link-to-outside/secret.txt", MAX), "STORAGE_KEY_REJECTED");
  });

  it("follows a symlink that stays inside the root", async () => {
    await storage.write("target.txt", new TextEncoder().encode("target"));
    await symlink(join(root, "target.txt"), join(root, "alias.txt"));
    assert.equal(new TextDecoder().decode(await storage.read("alias.txt", MAX)), "target");
  });

  it("works when the root itself is reached through a symlink", async () => {
    const linkedRoot = join(base, "linked-root");
    await symlink(root, linkedRoot, "dir");
    const viaLink = new FileStorage(linkedRoot);
    await storage.write("via-link.txt", new TextEncoder().encode("ok"));
    assert.equal(new TextDecoder().decode(await viaLink.read("via-link.txt", MAX)), "ok");
    await assertPermanent(viaLink.read("link-to-secret.txt", MAX), "STORAGE_KEY_REJECTED");
  });

  it("does not write outside the root through a symlinked directory", async () => {
    const link = join(root, "write-link");
    await symlink(outside, link, "dir").catch(() => undefined);
    await assert.rejects(storage.write("write-link/planted-by-link.txt", new Uint8Array([1])));
    assert.equal(await exists(join(outside, "planted-by-link.txt")), false);
  });

  it("reports a missing file as STORAGE_NOT_FOUND", async () => {
    await assertPermanent(storage.read("ws-1/doc-1/missing.pdf", MAX), "STORAGE_NOT_FOUND");
    await assertPermanent(storage.read("no-such-dir/file.txt", MAX), "STORAGE_NOT_FOUND");
  });

  it("reports a path through a file (ENOTDIR) and a directory as STORAGE_NOT_FOUND", async () => {
    await assertPermanent(storage.read("ws-1/doc-1/report.pdf/inner", MAX), "STORAGE_NOT_FOUND");
    await assertPermanent(storage.read("ws-1/doc-1", MAX), "STORAGE_NOT_FOUND");
  });

  it("reports a dangling symlink as STORAGE_NOT_FOUND", async () => {
    await symlink(join(root, "gone.txt"), join(root, "dangling.txt"));
    await assertPermanent(storage.read("dangling.txt", MAX), "STORAGE_NOT_FOUND");
  });

  it("refuses a file larger than maxBytes (FILE_TOO_LARGE) and reads one of exactly maxBytes", async () => {
    await storage.write("eleven.bin", new Uint8Array(11).fill(7));
    await assertPermanent(storage.read("eleven.bin", 10), "FILE_TOO_LARGE");
    await assert.rejects(storage.read("eleven.bin", 10), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.context["size"], 11);
      assert.equal(error.context["maxBytes"], 10);
      assert.equal(error.message, "file too large: 11 bytes > MAX_FILE_BYTES=10");
      return true;
    });
    assert.equal((await storage.read("eleven.bin", 11)).byteLength, 11);
  });
});

describe("storagePathFromUrl and createStorage", () => {
  it("resolves file://./DIR relative to the working directory", () => {
    assert.equal(storagePathFromUrl("file://./data/uploads"), resolve(process.cwd(), "data/uploads"));
    assert.equal(storagePathFromUrl("file://../shared/uploads"), resolve(process.cwd(), "../shared/uploads"));
  });

  it("takes file:///abs/dir as the absolute directory", () => {
    assert.equal(storagePathFromUrl("file:///abs/dir"), "/abs/dir");
    assert.equal(storagePathFromUrl("file:///srv/up%20loads"), "/srv/up loads");
  });

  it("builds a FileStorage rooted there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ragworker-create-storage-"));
    try {
      const storage = createStorage(`file://${dir}`);
      assert.ok(storage instanceof FileStorage);
      assert.equal(storage.description, `file://${dir}`);
      await storage.write("k/v.txt", new TextEncoder().encode("value"));
      assert.equal(await readFile(join(dir, "k/v.txt"), "utf8"), "value");
      assert.equal(createStorage("file://./data/uploads").description, `file://${resolve("data/uploads")}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
