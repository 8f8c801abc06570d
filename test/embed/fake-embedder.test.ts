import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "../support/bounded-test.js";

import {
  createFakeEmbedder,
  FAKE_EMBEDDER_DIMENSION,
  FAKE_EMBEDDER_MODEL,
  FakeEmbedder,
} from "../../src/embed/fake-embedder.js";
import { PermanentError } from "../../src/errors/permanent-error.js";

/** rag-corp's figures for its FakeEmbeddingService, condensed from its kit (see the file's `about`). */
interface KitError {
  readonly type: string;
  readonly message: string;
}

interface KitCase {
  readonly id: string;
  readonly text: string;
  readonly hash_input_text: string;
  readonly first3?: readonly number[];
  readonly sha256_float64_le?: string;
  readonly sha256_float32_le?: string;
  readonly query_embedding_identical?: boolean;
  readonly document_error?: KitError;
  readonly query_error?: KitError;
}

interface Kit {
  readonly model_id: string;
  readonly dimension: number;
  readonly cases: readonly KitCase[];
}

const kit = JSON.parse(
  readFileSync(new URL("../fixtures/rag-corp/fake-embeddings.json", import.meta.url), "utf8"),
) as Kit;

/** SHA-256 of the values packed little-endian, as the kit's generator packs them (struct "<d"/"<f"). */
function digestLittleEndian(vector: Float64Array | Float32Array): string {
  const width = vector instanceof Float64Array ? 8 : 4;
  const view = new DataView(new ArrayBuffer(vector.length * width));
  vector.forEach((value, index) => {
    if (width === 8) view.setFloat64(index * 8, value, true);
    else view.setFloat32(index * 4, value, true);
  });
  return createHash("sha256").update(new Uint8Array(view.buffer)).digest("hex");
}

function expectEmbeddingRejected(thrown: unknown, message: string): true {
  assert.ok(thrown instanceof PermanentError, `expected a PermanentError, got ${String(thrown)}`);
  assert.equal(thrown.code, "EMBEDDING_REJECTED");
  assert.equal(thrown.message, message);
  return true;
}

const embedded = kit.cases.filter((kitCase) => kitCase.document_error === undefined);
const rejected = kit.cases.filter((kitCase) => kitCase.document_error !== undefined);

describe("FakeEmbedder against rag-corp's reference vectors", () => {
  it("has rag-corp's model id and dimension", () => {
    const embedder = createFakeEmbedder();
    assert.equal(embedder.model, FAKE_EMBEDDER_MODEL);
    assert.equal(embedder.model, kit.model_id);
    assert.equal(embedder.dimension, FAKE_EMBEDDER_DIMENSION);
    assert.equal(embedder.dimension, kit.dimension);
    assert.equal(kit.cases.length, 20);
    assert.equal(embedded.length, 18);
  });

  for (const kitCase of embedded) {
    it(`${kitCase.id}: float64 and float32 vectors bit-identical`, async () => {
      const embedder = new FakeEmbedder();
      const [float64] = embedder.embedBatchFloat64([kitCase.text]);
      assert.ok(float64);
      assert.equal(float64.length, kit.dimension);
      assert.equal(digestLittleEndian(float64), kitCase.sha256_float64_le);
      assert.deepEqual(Array.from(float64.subarray(0, 3)), kitCase.first3);

      const [viaPromise] = await embedder.embedFloat64([kitCase.text]);
      assert.ok(viaPromise);
      assert.equal(digestLittleEndian(viaPromise), kitCase.sha256_float64_le);

      // The Embedder path: what reaches pgvector's float4 column.
      const [float32] = await embedder.embed([kitCase.text]);
      assert.ok(float32 instanceof Float32Array);
      assert.equal(digestLittleEndian(float32), kitCase.sha256_float32_le);

      // Only the ends are trimmed: the hashed text is the kit's, so its vector is the same.
      const [ofHashInput] = embedder.embedBatchFloat64([kitCase.hash_input_text]);
      assert.ok(ofHashInput);
      assert.equal(digestLittleEndian(ofHashInput), kitCase.sha256_float64_le);

      assert.equal(kitCase.query_embedding_identical, true);
      assert.equal(digestLittleEndian(embedder.embedQueryFloat64(kitCase.text)), kitCase.sha256_float64_le);
    });
  }

  for (const kitCase of rejected) {
    it(`${kitCase.id}: rejected with rag-corp's messages`, async () => {
      const embedder = new FakeEmbedder();
      const documentMessage = kitCase.document_error?.message ?? "";
      const queryMessage = kitCase.query_error?.message ?? "";
      assert.throws(
        () => embedder.embedBatchFloat64([kitCase.text]),
        (thrown) => expectEmbeddingRejected(thrown, documentMessage),
      );
      await assert.rejects(embedder.embed([kitCase.text]), (thrown) =>
        expectEmbeddingRejected(thrown, documentMessage),
      );
      await assert.rejects(embedder.embedFloat64([kitCase.text]), (thrown) =>
        expectEmbeddingRejected(thrown, documentMessage),
      );
      assert.throws(
        () => embedder.embedQueryFloat64(kitCase.text),
        (thrown) => expectEmbeddingRejected(thrown, queryMessage),
      );
    });
  }

  it("embeds a batch in order, each vector as if alone", async () => {
    const embedder = new FakeEmbedder();
    const texts = embedded.map((kitCase) => kitCase.text);
    const vectors = await embedder.embed(texts);
    assert.equal(vectors.length, texts.length);
    vectors.forEach((vector, index) => {
      assert.equal(digestLittleEndian(vector), embedded[index]?.sha256_float32_le, embedded[index]?.id);
    });
    assert.deepEqual(await embedder.embed([]), []);
  });

  it("names the first blank text of a batch and embeds none", async () => {
    const embedder = new FakeEmbedder();
    await assert.rejects(embedder.embed(["fine", "also fine", " \u0085\u001c ", "", "late"]), (thrown) =>
      expectEmbeddingRejected(thrown, "Batch text at index 2 must not be empty"),
    );
  });

  it("does not normalize Unicode or whitespace inside the text", () => {
    const embedder = new FakeEmbedder();
    const [nfc, nfd, single, double] = embedder.embedBatchFloat64(["caf\u00e9", "cafe\u0301", "a b", "a  b"]);
    assert.notDeepEqual(nfc, nfd);
    assert.notDeepEqual(single, double);
  });
});
