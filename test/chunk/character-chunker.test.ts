/**
 * The character chunker and rag-corp's text normalisation against rag-corp's own outputs
 * (test/fixtures/rag-corp/chunker-cases.json, made by make-chunker-injection-fixtures.py from
 * the rag-corp kit): extracted text, fragment offsets, chunk contents, lengths and metadata.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "../support/bounded-test.js";

import {
  CHARACTER_CHUNK_DEFAULTS,
  characterFragments,
  chunkCharacters,
  mergeShortTail,
  tailMergeMinimum,
} from "../../src/chunk/character-chunker.js";
import { normalizeRagCorpText } from "../../src/chunk/rag-corp-text.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import { detectPromptInjection, promptInjectionMetadata } from "../../src/safety/prompt-injection.js";
import { pythonStrip } from "../../src/text/python-whitespace.js";

interface ChunkRow {
  readonly content: string;
  readonly len_codepoints: number;
  readonly len_utf16: number;
  readonly len_utf8: number;
  readonly metadata: Readonly<Record<string, unknown>>;
}

interface Fixture {
  readonly defaults: { readonly size: number; readonly overlap: number; readonly max_chunks: number };
  /** `extracted` only where rag-corp's extraction changed the input. */
  readonly inputs: readonly { readonly id: string; readonly input: string; readonly extracted?: string }[];
  readonly cases: readonly {
    readonly id: string;
    readonly size: number;
    readonly overlap: number;
    readonly fragments: readonly (readonly [number, number])[];
    readonly chunks: readonly ChunkRow[];
  }[];
  readonly max_chunks_cap: {
    readonly length: number;
    readonly step: number;
    readonly size: number;
    readonly overlap: number;
    readonly chunks_created: number;
    readonly last_chunk: ChunkRow;
  };
  readonly worker_outcomes: readonly {
    readonly id: string;
    readonly text: string;
    readonly chunks: string[];
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/rag-corp/chunker-cases.json", import.meta.url), "utf8"),
) as Fixture;

function inputOf(id: string): { input: string; extracted: string } {
  const entry = fixture.inputs.find((candidate) => candidate.id === id);
  assert.ok(entry, `no input ${id}`);
  return { input: entry.input, extracted: entry.extracted ?? entry.input };
}

function assertRow(actual: string, expected: ChunkRow, label: string): void {
  assert.equal(actual, expected.content, label);
  assert.equal([...actual].length, expected.len_codepoints, `${label}: code points`);
  assert.equal(actual.length, expected.len_utf16, `${label}: UTF-16 units`);
  assert.equal(Buffer.byteLength(actual, "utf8"), expected.len_utf8, `${label}: UTF-8 bytes`);
  assert.deepEqual(
    promptInjectionMetadata(detectPromptInjection(actual)),
    expected.metadata,
    `${label}: metadata`,
  );
}

function assertTooManyChunks(error: unknown, limit: number): true {
  assert.ok(error instanceof PermanentError, `not a PermanentError: ${String(error)}`);
  assert.equal(error.code, "TOO_MANY_CHUNKS");
  assert.equal(error.retryable, false);
  assert.equal(error.message, `too many chunks: more than MAX_CHUNKS=${limit}`);
  assert.deepEqual(error.context, { limit });
  return true;
}

describe("normalizeRagCorpText", () => {
  for (const { id } of fixture.inputs) {
    it(`gives rag-corp's extracted text for ${id}`, () => {
      const { input, extracted } = inputOf(id);
      assert.equal(normalizeRagCorpText(input), extracted);
    });
  }

  it("drops NUL, strips Python whitespace, collapses space/tab runs and blank-line runs", () => {
    assert.equal(normalizeRagCorpText("\u0085\0 a\t\t b \0\n\n\n\n c\u001C"), "a b \n\n c");
    // Only spaces and tabs collapse; "\r\n" is not a newline run, and U+FEFF is not whitespace.
    assert.equal(
      normalizeRagCorpText("a\u00A0\u00A0b\r\n\r\n\r\nc\uFEFF"),
      "a\u00A0\u00A0b\r\n\r\n\r\nc\uFEFF",
    );
  });

  it("is idempotent, as applying it twice (parser, then extractor) is in rag-corp", () => {
    for (const { id } of fixture.inputs) {
      const once = normalizeRagCorpText(inputOf(id).input);
      assert.equal(normalizeRagCorpText(once), once, id);
    }
  });

  it("does not truncate at 1,000,000 characters (ragworker fails on MAX_EXTRACTED_CHARS instead)", () => {
    const text = "x".repeat(1_000_001);
    assert.equal(normalizeRagCorpText(text).length, 1_000_001);
  });

  // The 2 M-character run: a quadratic strip would not finish within the test's timeout.
  it("strips like Python's str.strip, a 2 M-character inner whitespace run included", () => {
    for (const [text, stripped] of [
      ["", ""],
      [" ", ""],
      ["\u001Fa b\u0085", "a b"],
      ["\uFEFF a \uFEFF", "\uFEFF a \uFEFF"],
      ["\u3000\u2028x\u2029", "x"],
    ] as const) {
      assert.equal(pythonStrip(text), stripped, JSON.stringify(text));
    }
    const text = `a${"\r".repeat(2_000_000)}b`;
    assert.equal(normalizeRagCorpText(` ${text} `), text);
  });
});

describe("chunkCharacters", () => {
  it("has rag-corp's defaults", () => {
    assert.deepEqual(CHARACTER_CHUNK_DEFAULTS, {
      size: fixture.defaults.size,
      overlap: fixture.defaults.overlap,
      maxChunks: fixture.defaults.max_chunks,
    });
    assert.equal(tailMergeMinimum(900), 225);
    assert.equal(tailMergeMinimum(300), 80);
  });

  for (const kitCase of fixture.cases) {
    const { size, overlap } = kitCase;
    it(`reproduces rag-corp on ${kitCase.id} (size ${size}, overlap ${overlap})`, () => {
      const { extracted } = inputOf(kitCase.id);
      const fragments = characterFragments(extracted, { size, overlap, limit: fixture.defaults.max_chunks });
      assert.deepEqual(
        fragments.map((fragment) => [fragment.start, fragment.end]),
        kitCase.fragments,
      );
      // Offsets are code points: the fragment is the stripped code-point slice.
      const codePoints = [...extracted];
      for (const fragment of fragments) {
        assert.equal(fragment.content, pythonStrip(codePoints.slice(fragment.start, fragment.end).join("")));
      }
      const chunks = chunkCharacters(extracted, { size, overlap, maxChunks: fixture.defaults.max_chunks });
      assert.equal(chunks.length, kitCase.chunks.length);
      kitCase.chunks.forEach((row, index) => assertRow(chunks[index] ?? "", row, `chunk ${index}`));
    });
  }

  for (const outcome of fixture.worker_outcomes) {
    it(`gives rag-corp's chunks for the worker upload ${outcome.id}`, () => {
      const chunks = chunkCharacters(normalizeRagCorpText(outcome.text), CHARACTER_CHUNK_DEFAULTS);
      assert.deepEqual(chunks, outcome.chunks);
    });
  }

  it("matches rag-corp's first 2000 fragments past the cap, and fails instead of truncating", () => {
    const cap = fixture.max_chunks_cap;
    const text = Array.from({ length: cap.length }, (_, index) =>
      String.fromCharCode(97 + ((index * cap.step) % 26)),
    ).join("");
    const limit = fixture.defaults.max_chunks;
    const fragments = characterFragments(text, { size: cap.size, overlap: cap.overlap, limit });
    assert.equal(fragments.length, cap.chunks_created);
    // No separators and no overlap: rag-corp cuts every `size` code points.
    fragments.forEach((fragment, index) => {
      assert.equal(fragment.start, index * cap.size);
      assert.equal(fragment.end, (index + 1) * cap.size);
    });
    assertRow(fragments.at(-1)?.content ?? "", cap.last_chunk, "last fragment");
    // The last fragment is full size: the tail merge does not change rag-corp's 2000 chunks.
    assert.equal(
      mergeShortTail(
        fragments.map((fragment) => fragment.content),
        cap.size,
      ).length,
      limit,
    );

    assert.throws(
      () => chunkCharacters(text, { size: cap.size, overlap: cap.overlap, maxChunks: limit }),
      (error) => assertTooManyChunks(error, limit),
    );
    // Exactly at the cap is fine: 3000 fragments of 100.
    assert.equal(
      chunkCharacters(text, { size: cap.size, overlap: cap.overlap, maxChunks: 3000 }).length,
      3000,
    );
    assert.throws(
      () => chunkCharacters(text, { size: cap.size, overlap: cap.overlap, maxChunks: 2999 }),
      (error) => assertTooManyChunks(error, 2999),
    );
  });

  it("gives no chunks for blank text and one for text up to `size` code points", () => {
    assert.deepEqual(chunkCharacters(" \n\t\u0085 ", CHARACTER_CHUNK_DEFAULTS), []);
    const emoji = "🚀".repeat(900);
    assert.deepEqual(chunkCharacters(` ${emoji}\n`, CHARACTER_CHUNK_DEFAULTS), [emoji]);
  });

  it("prefers a stronger separator anywhere in the window to a weaker one near the target", () => {
    const text = `${"a".repeat(781)}\n\n${"b".repeat(110)}. ${"c".repeat(300)}`;
    const fragments = characterFragments(text, { size: 900, overlap: 120, limit: 2000 });
    assert.deepEqual(fragments[0], { start: 0, end: 783, content: "a".repeat(781) });
    // 120 back from the target is still in the window; 121 back is not.
    const edge = `${"a".repeat(780)}\n${"b".repeat(400)}`;
    assert.equal(characterFragments(edge, { size: 900, overlap: 0, limit: 2000 })[0]?.end, 781);
    const outside = `${"a".repeat(779)}\n${"b".repeat(400)}`;
    assert.equal(characterFragments(outside, { size: 900, overlap: 0, limit: 2000 })[0]?.end, 900);
  });

  it("may cut after a separator that starts at the target itself", () => {
    const text = `${"a".repeat(10)}. ${"b".repeat(20)}`;
    assert.deepEqual(characterFragments(text, { size: 10, overlap: 0, limit: 2000 })[0], {
      start: 0,
      end: 12,
      content: `${"a".repeat(10)}.`,
    });
  });

  it("rejects sizes rag-corp's settings reject", () => {
    assert.throws(() => chunkCharacters("x", { size: 0, overlap: 0, maxChunks: 1 }), RangeError);
    assert.throws(() => chunkCharacters("x", { size: 10, overlap: 10, maxChunks: 1 }), RangeError);
    assert.throws(() => chunkCharacters("x", { size: 10, overlap: -1, maxChunks: 1 }), RangeError);
    assert.throws(() => chunkCharacters("x", { size: 10, overlap: 1, maxChunks: 0 }), RangeError);
  });

  // A quadratic walk would not finish within the test's timeout. (No benchmark times this chunker
  // yet; bench/throughput.ts runs the token chunker.)
  it("chunks 5 MB, surrogate pairs included", () => {
    const texts = [
      "Estado 🚀 del despliegue ✅; equipo 👩‍💻 listo. ".repeat(110_000),
      Array.from({ length: 5_000_000 }, (_, index) => String.fromCharCode(97 + ((index * 11) % 26))).join(""),
      `${"\u00A0".repeat(800)}x`.repeat(6_200),
    ];
    for (const text of texts) {
      const chunks = chunkCharacters(normalizeRagCorpText(text), {
        size: 900,
        overlap: 120,
        maxChunks: 100_000,
      });
      assert.ok(chunks.length > 6_000, `${text.slice(0, 10)}…: ${chunks.length} chunks`);
    }
  });
});
