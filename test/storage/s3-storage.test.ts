/**
 * S3Storage against a real S3-compatible server (s3rver on loopback), and against small HTTP
 * stand-ins for the answers s3rver cannot be made to give (a chunked body, 503, silence).
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { after, before, describe, it } from "../support/bounded-test.js";
import { closeServer, listen } from "../support/waits.js";

import { loadConfig } from "../../src/config/config.js";
import type { ErrorCode } from "../../src/errors/error-code.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import type { RagworkerError } from "../../src/errors/ragworker-error.js";
import { TransientError } from "../../src/errors/transient-error.js";
import { createStorage } from "../../src/storage/create-storage.js";
import { parseS3Url, unsafeKeyReason } from "../../src/storage/s3-location.js";
import { S3Storage } from "../../src/storage/s3-storage.js";
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from "../support/local-s3.js";

const MAX = 1024 * 1024;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (value: string) => new TextEncoder().encode(value);

async function assertFails(
  work: Promise<unknown>,
  kind: typeof PermanentError | typeof TransientError,
  code: ErrorCode,
): Promise<RagworkerError> {
  let caught: unknown;
  await assert.rejects(work, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof kind, `expected ${kind.name} ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

/** A stand-in HTTP server that answers every request with `handler`; counts the requests. */
async function standIn(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ server: Server; endpoint: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    handler(request, response);
  });
  const port = await listen(server);
  return {
    server,
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: async () => {
      await closeServer(server, "the S3 stand-in to close");
    },
  };
}

function storageAt(endpoint: string, options: Partial<ConstructorParameters<typeof S3Storage>[0]> = {}) {
  return new S3Storage({
    bucket: "stand-in",
    prefix: "",
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
    ...options,
  });
}

describe("S3Storage on a local S3 server", () => {
  let s3: LocalS3;
  let storage: S3Storage;

  before(async () => {
    s3 = await startLocalS3();
    storage = s3.storage();
  });

  after(async () => {
    storage.close();
    await s3.close();
  });

  it("reads back what it wrote, bytes intact", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 10, 13]);
    await storage.write("ws-1/doc-1/report.pdf", bytes);
    assert.deepEqual(Buffer.from(await storage.read("ws-1/doc-1/report.pdf", MAX)), Buffer.from(bytes));
  });

  it("reads a larger object streamed in many parts", async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251);
    await storage.write("big.bin", bytes);
    const read = await storage.read("big.bin", 4 * 1024 * 1024);
    assert.equal(read.byteLength, bytes.byteLength);
    assert.ok(Buffer.from(read).equals(Buffer.from(bytes)));
  });

  it("overwrites an existing key and reads an empty object", async () => {
    await storage.write("same.txt", encode("first version"));
    await storage.write("same.txt", encode("second"));
    assert.equal(text(await storage.read("same.txt", MAX)), "second");
    await storage.write("empty.txt", new Uint8Array());
    assert.equal((await storage.read("empty.txt", MAX)).byteLength, 0);
  });

  it("keeps objects under its prefix", async () => {
    const prefixed = s3.storage("tenant-a/uploads");
    try {
      await prefixed.write("k/v.txt", encode("under the prefix"));
      assert.equal(text(await storage.read("tenant-a/uploads/k/v.txt", MAX)), "under the prefix");
      assert.equal(text(await prefixed.read("k/v.txt", MAX)), "under the prefix");
      assert.equal(prefixed.description, `s3://${s3.bucket}/tenant-a/uploads at ${s3.endpoint}/`);
    } finally {
      prefixed.close();
    }
  });

  it("reports a missing object as STORAGE_NOT_FOUND, not retryable, naming the key", async () => {
    const error = await assertFails(storage.read("ws-1/nope.pdf", MAX), PermanentError, "STORAGE_NOT_FOUND");
    assert.equal(error.message, "object not found: ws-1/nope.pdf");
    assert.equal(error.retryable, false);
  });

  it("refuses an object larger than maxBytes from its declared length, and reads one of exactly maxBytes", async () => {
    await storage.write("eleven.bin", new Uint8Array(11).fill(7));
    const error = await assertFails(storage.read("eleven.bin", 10), PermanentError, "FILE_TOO_LARGE");
    assert.equal(error.context["size"], 11);
    assert.equal(error.context["maxBytes"], 10);
    assert.equal((await storage.read("eleven.bin", 11)).byteLength, 11);
  });

  for (const key of [
    "../outside.txt",
    "a/../../b.txt",
    "/etc/passwd",
    "",
    ".",
    "a/./b",
    "a/..",
    "a\0b",
    "x".repeat(1025),
  ]) {
    it(`rejects the key ${JSON.stringify(key.slice(0, 20))} (STORAGE_KEY_REJECTED) for read and write`, async () => {
      await assertFails(storage.read(key, MAX), PermanentError, "STORAGE_KEY_REJECTED");
      await assertFails(storage.write(key, encode("x")), PermanentError, "STORAGE_KEY_REJECTED");
    });
  }

  it("fails transiently while the server is stopped, and reads again once it is back", async () => {
    await storage.write("survives.txt", encode("kept on disk"));
    await s3.stop();
    try {
      const error = await assertFails(
        storage.read("survives.txt", MAX),
        TransientError,
        "STORAGE_UNAVAILABLE",
      );
      assert.match(error.message, /ECONNREFUSED/);
      await assertFails(storage.write("during.txt", encode("x")), TransientError, "STORAGE_UNAVAILABLE");
    } finally {
      await s3.start();
    }
    assert.equal(text(await storage.read("survives.txt", MAX)), "kept on disk");
  });

  it("treats a missing bucket and refused credentials as transient (a deployment to fix, not the document)", async () => {
    const noBucket = new S3Storage({
      bucket: "no-such-bucket",
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: LOCAL_S3_CREDENTIALS,
    });
    const badKeys = new S3Storage({
      bucket: s3.bucket,
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "WRONG", secretAccessKey: "WRONG" },
    });
    try {
      const missing = await assertFails(noBucket.read("a.txt", MAX), TransientError, "STORAGE_UNAVAILABLE");
      assert.equal(missing.context["status"], 404);
      assert.match(missing.message, /NoSuchBucket/);
      const refused = await assertFails(badKeys.read("same.txt", MAX), TransientError, "STORAGE_UNAVAILABLE");
      assert.equal(refused.context["status"], 403);
    } finally {
      noBucket.close();
      badKeys.close();
    }
  });

  it("is what createStorage builds for an s3:// STORAGE_URL with the S3_* settings", async () => {
    const config = loadConfig(s3.env("made-by-config"));
    assert.deepEqual(config.s3, {
      endpoint: s3.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: null,
    });
    const previous = { id: process.env["AWS_ACCESS_KEY_ID"], secret: process.env["AWS_SECRET_ACCESS_KEY"] };
    // The worker gets its keys from the credential chain: the environment, here.
    process.env["AWS_ACCESS_KEY_ID"] = LOCAL_S3_CREDENTIALS.accessKeyId;
    process.env["AWS_SECRET_ACCESS_KEY"] = LOCAL_S3_CREDENTIALS.secretAccessKey;
    const built = createStorage(config.storageUrl, config.s3);
    try {
      assert.ok(built instanceof S3Storage);
      await built.write("k.txt", encode("through createStorage"));
      assert.equal(text(await storage.read("made-by-config/k.txt", MAX)), "through createStorage");
    } finally {
      built.close?.();
      for (const [name, value] of [
        ["AWS_ACCESS_KEY_ID", previous.id],
        ["AWS_SECRET_ACCESS_KEY", previous.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe("S3Storage against answers a real server gives only sometimes", () => {
  it("counts a body without a declared length and refuses it once it passes maxBytes", async () => {
    const chunked = await standIn((_request, response) => {
      // No Content-Length: Node sends the body chunked, as a proxy or a streaming server may.
      response.writeHead(200, { "content-type": "application/octet-stream" });
      for (let i = 0; i < 8; i += 1) response.write(Buffer.alloc(1024, i));
      response.end();
    });
    const storage = storageAt(chunked.endpoint);
    try {
      const error = await assertFails(storage.read("k.bin", 3000), PermanentError, "FILE_TOO_LARGE");
      assert.equal(error.context["maxBytes"], 3000);
      assert.ok(Number(error.context["size"]) > 3000);
      assert.match(error.message, /more than 3000 bytes/);
      assert.equal((await storage.read("k.bin", 8 * 1024)).byteLength, 8 * 1024);
    } finally {
      storage.close();
      await chunked.close();
    }
  });

  it("retries a 503 inside the SDK, then fails transiently with the status", async () => {
    const failing = await standIn((_request, response) => {
      response.writeHead(503, { "content-type": "application/xml" });
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>try later</Message></Error>',
      );
    });
    const storage = storageAt(failing.endpoint, { maxAttempts: 2 });
    try {
      const error = await assertFails(storage.read("k.bin", MAX), TransientError, "STORAGE_UNAVAILABLE");
      assert.equal(error.context["status"], 503);
      assert.equal(failing.requests(), 2);
    } finally {
      storage.close();
      await failing.close();
    }
  });

  it("gives up on a server that accepts and never answers, transiently", async () => {
    const silent = await standIn(() => undefined);
    const storage = storageAt(silent.endpoint, { socketTimeoutMs: 300, maxAttempts: 1 });
    try {
      await assertFails(storage.read("k.bin", MAX), TransientError, "STORAGE_UNAVAILABLE");
    } finally {
      storage.close();
      await silent.close();
    }
  });
});

describe("s3:// URLs and keys", () => {
  it("splits a bucket from its prefix, dropping trailing slashes", () => {
    assert.deepEqual(parseS3Url("s3://docs"), { bucket: "docs", prefix: "" });
    assert.deepEqual(parseS3Url("s3://docs/"), { bucket: "docs", prefix: "" });
    assert.deepEqual(parseS3Url("s3://my.docs-1/uploads/v2/"), { bucket: "my.docs-1", prefix: "uploads/v2" });
  });

  for (const url of [
    "s3://",
    "s3://UPPER",
    "s3://ab",
    "s3://a..b",
    "s3://-docs",
    "s3://docs/../x",
    "s3://docs//abs",
    "file:///x",
  ]) {
    it(`refuses ${url}`, () => {
      assert.throws(() => parseS3Url(url));
    });
  }

  it("says why a key is unsafe, and accepts ordinary ones", () => {
    assert.equal(unsafeKeyReason("ws/doc/report (final).pdf"), null);
    assert.equal(unsafeKeyReason("ws/doc/résumé.docx"), null);
    assert.equal(unsafeKeyReason("..\\x"), "'.' or '..' segment in key");
    assert.equal(unsafeKeyReason("/x"), "absolute key");
  });
});
