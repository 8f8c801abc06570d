import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";

import { JavaScriptDecompressionStream } from "../../src/threads/javascript-decompression-stream.js";

const SOURCE = new TextEncoder().encode(
  Array.from({ length: 2000 }, (_, index) => `line ${index} of a compressible text\n`).join(""),
);
const COMPRESS = { deflate: deflateSync, "deflate-raw": deflateRawSync, gzip: gzipSync } as const;

/** Writes `chunks` through a stream and reads everything back, as pdf.js and file-type do. */
async function inflate(
  stream: TransformStream<ArrayBuffer | ArrayBufferView, Uint8Array>,
  chunks: readonly (ArrayBuffer | ArrayBufferView)[],
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  })();
  const reading = (async () => {
    const parts: Uint8Array[] = [];
    for await (const part of stream.readable) parts.push(part);
    return new Uint8Array(Buffer.concat(parts));
  })();
  // Both sides fail on bad data: awaited together so neither rejection goes unobserved.
  const [inflated] = await Promise.all([reading, writing]);
  return inflated;
}

describe("JavaScriptDecompressionStream", () => {
  for (const [format, compress] of Object.entries(COMPRESS)) {
    it(`inflates ${format} like the built-in one, from chunks of any size and kind`, async () => {
      const compressed = new Uint8Array(compress(SOURCE));
      const pieces: ArrayBufferView[] = [];
      for (let start = 0; start < compressed.length; start += 97) {
        pieces.push(compressed.subarray(start, start + 97));
      }
      const ours = await inflate(new JavaScriptDecompressionStream(format), pieces);
      assert.deepEqual(ours, SOURCE);
      const builtIn = await inflate(new DecompressionStream(format as "deflate"), [compressed]);
      assert.deepEqual(ours, builtIn);
      // A whole ArrayBuffer works too.
      const copy = compressed.slice().buffer;
      assert.deepEqual(await inflate(new JavaScriptDecompressionStream(format), [copy]), SOURCE);
    });
  }

  it("errors the stream on corrupt data and on truncated data", async () => {
    const compressed = new Uint8Array(deflateSync(SOURCE));
    const corrupt = compressed.slice();
    corrupt.fill(0xff, 2, 40);
    const truncated = compressed.subarray(0, compressed.length / 2);
    // With node:zlib's codes, which callers such as file-type tell corrupt data by. Truncated data
    // is Z_BUF_ERROR for node:zlib; fflate may see a bad checksum first (Z_DATA_ERROR): both mean
    // "not valid compressed data" to those callers.
    const dataError = (error: unknown) =>
      ["Z_BUF_ERROR", "Z_DATA_ERROR"].includes(String((error as { code?: unknown }).code));
    for (const stream of [
      () => new JavaScriptDecompressionStream("deflate"),
      () => new DecompressionStream("deflate"),
    ]) {
      await assert.rejects(inflate(stream(), [corrupt]), { code: "Z_DATA_ERROR" });
      await assert.rejects(inflate(stream(), [truncated]), dataError);
    }
    await assert.rejects(
      inflate(new JavaScriptDecompressionStream("deflate-raw"), [
        new Uint8Array(deflateRawSync(SOURCE)).subarray(0, 100),
      ]),
      { code: "Z_BUF_ERROR", message: "unexpected end of file" },
    );
  });

  it("refuses a format it does not know, as the built-in one does (pdf.js asks for brotli)", () => {
    // Node 24 and 26's built-in knows brotli (Node 20's did not); this one still refuses it, so
    // pdf.js decodes brotli with its own code, as it did on Node 20.
    assert.throws(() => new JavaScriptDecompressionStream("brotli"), TypeError);
    assert.throws(() => new JavaScriptDecompressionStream("lzma"), TypeError);
    assert.throws(() => new DecompressionStream("lzma" as "deflate"), TypeError);
  });
});
