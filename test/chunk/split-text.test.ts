import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { LAST_CHUNK_MERGE_RATIO, maxMergedChunkLength, splitText } from "../../src/chunk/split-text.js";
import { estimateTokens } from "../../src/chunk/token-count.js";
import { seededSource } from "../support/seeded-random.js";

const STEMS = [
  "a",
  "of",
  "data",
  "chunk",
  "vector",
  "retrieval",
  "embedding",
  "consectetur",
  "normalization",
];

/**
 * Text whose words are all distinct (a stem plus a counter), so a word's position in the source
 * is unambiguous, in sentences of 4 to 8 words, with random line and paragraph breaks.
 */
function makeText(options: {
  seed: number;
  words: number;
  lineBreaks: boolean;
  paragraphs: boolean;
}): string {
  const random = seededSource(options.seed);
  let text = "";
  let wordsLeftInSentence = 0;
  for (let index = 0; index < options.words; index += 1) {
    if (wordsLeftInSentence === 0) {
      wordsLeftInSentence = 4 + Math.floor(random() * 5);
    }
    const stem = STEMS[Math.floor(random() * STEMS.length)] ?? "w";
    text += `${stem}${index.toString(36)}`;
    wordsLeftInSentence -= 1;
    if (index === options.words - 1) {
      text += ".";
    } else if (wordsLeftInSentence > 0) {
      text += " ";
    } else {
      const roll = random();
      text += options.paragraphs && roll < 0.15 ? ".\n\n" : options.lineBreaks && roll < 0.3 ? ".\n" : ". ";
    }
  }
  return text;
}

function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

/** A text's size as the splitter measures it by default: the sum of its words' estimated tokens. */
function tokensOf(text: string): number {
  return wordsOf(text).reduce((total, word) => total + estimateTokens(word), 0);
}

/**
 * The text the second chunk repeats from the end of the first: the longest run of whole words
 * ending the first chunk that also begins the second. Words are distinct, so it is unambiguous.
 */
function overlapText(previous: string, next: string): string {
  const wordStarts = [...previous.matchAll(/\S+/g)].map((match) => match.index);
  for (const start of wordStarts) {
    const suffix = previous.slice(start);
    if (next.startsWith(suffix) && (next.length === suffix.length || /\s/.test(next.charAt(suffix.length)))) {
      return suffix;
    }
  }
  return "";
}

/** The properties every split must have, whatever the text and options. */
function assertSplitInvariants(text: string, chunks: string[], size: number, overlap: number): void {
  const sourceWords = wordsOf(text);
  const sourceWordSet = new Set(sourceWords);
  chunks.forEach((chunk, index) => {
    const isLast = index === chunks.length - 1;
    const limit = isLast ? maxMergedChunkLength(size) : size;
    assert.ok(tokensOf(chunk) <= limit, `chunk ${index} has ${tokensOf(chunk)} tokens, limit ${limit}`);
    assert.ok(chunk.length > 0, `chunk ${index} is empty`);
    assert.equal(chunk, chunk.trim(), `chunk ${index} is not trimmed`);
    assert.ok(text.includes(chunk), `chunk ${index} is not a contiguous slice of the source`);
    for (const word of wordsOf(chunk)) {
      assert.ok(sourceWordSet.has(word), `chunk ${index} has "${word}", which is not a source word (cut?)`);
    }
  });
  // Words are distinct, so dropping the ones an overlap repeats must give back the source.
  const seen = new Set<string>();
  const covered: string[] = [];
  for (const word of chunks.flatMap(wordsOf)) {
    if (!seen.has(word)) {
      seen.add(word);
      covered.push(word);
    }
  }
  assert.deepEqual(covered, sourceWords);
  for (let index = 1; index < chunks.length; index += 1) {
    const repeated = tokensOf(overlapText(chunks[index - 1] ?? "", chunks[index] ?? ""));
    assert.ok(repeated <= overlap, `chunks ${index - 1} and ${index} overlap by ${repeated} > ${overlap}`);
  }
}

describe("splitText", () => {
  it("rejects a size that is not a positive integer and an overlap outside [0, size)", () => {
    for (const options of [
      { size: 0, overlap: 0 },
      { size: -5, overlap: 0 },
      { size: 10.5, overlap: 0 },
      { size: Number.NaN, overlap: 0 },
      { size: 100, overlap: -1 },
      { size: 100, overlap: 100 },
      { size: 100, overlap: 150 },
      { size: 100, overlap: 2.5 },
    ]) {
      assert.throws(() => splitText("some text", options), RangeError, JSON.stringify(options));
    }
  });

  it("returns no chunk for empty or whitespace-only text", () => {
    assert.deepEqual(splitText("", { size: 100, overlap: 10 }), []);
    assert.deepEqual(splitText(" \n\n\t  \n", { size: 100, overlap: 10 }), []);
  });

  it("returns a text that fits as one trimmed chunk", () => {
    assert.deepEqual(splitText("  Hello there.\n\nSecond paragraph.  ", { size: 100, overlap: 10 }), [
      "Hello there.\n\nSecond paragraph.",
    ]);
  });

  it("keeps its invariants on random texts for many sizes and overlaps", () => {
    const cases = [
      { size: 10, overlap: 0 },
      { size: 20, overlap: 5 },
      { size: 50, overlap: 10 },
      { size: 120, overlap: 25 },
      { size: 256, overlap: 32 },
      { size: 80, overlap: 79 },
    ];
    for (const [caseIndex, options] of cases.entries()) {
      for (const seed of [1, 2, 3]) {
        const text = makeText({
          seed: seed * 100 + caseIndex,
          words: 1500,
          lineBreaks: true,
          paragraphs: true,
        });
        const chunks = splitText(text, options);
        assert.ok(chunks.length > 1);
        assertSplitInvariants(text, chunks, options.size, options.overlap);
      }
    }
  });

  it("repeats up to `overlap` tokens of the previous chunk, starting at a word", () => {
    // Sentences are shorter than half the room left by the overlap, so a sentence end always lies
    // within that room and no overlap has to give way to a stronger break beyond it.
    const text = makeText({ seed: 7, words: 2000, lineBreaks: false, paragraphs: false });
    const size = 100;
    const overlap = 20;
    const chunks = splitText(text, { size, overlap });
    assertSplitInvariants(text, chunks, size, overlap);
    for (let index = 1; index < chunks.length; index += 1) {
      const previous = chunks[index - 1] ?? "";
      const repeated = overlapText(previous, chunks[index] ?? "");
      assert.ok(repeated.length > 0, `chunks ${index - 1} and ${index} do not overlap`);
      // The repeated text starts at a word: the character before it in the previous chunk is a space.
      assert.match(previous.charAt(previous.length - repeated.length - 1), /\s/);
    }
  });

  it("ends chunks at sentence ends in prose without line breaks", () => {
    const text = makeText({ seed: 11, words: 3000, lineBreaks: false, paragraphs: false });
    const chunks = splitText(text, { size: 100, overlap: 12 });
    for (const chunk of chunks) {
      assert.match(chunk, /\.$/, `chunk does not end a sentence: ...${chunk.slice(-40)}`);
    }
  });

  it("cuts at paragraph breaks: three paragraphs of 80% of size give exactly three chunks", () => {
    const size = 150;
    const paragraphs = [21, 22, 23].map((seed) => {
      const text = makeText({ seed, words: 200, lineBreaks: false, paragraphs: false });
      // Whole sentences, as many as stay within 80% of size.
      const sentences = text.match(/[^.]+\./g) ?? [];
      let paragraph = "";
      for (const sentence of sentences) {
        const longer = `${paragraph}${sentence}`.trim();
        if (tokensOf(longer) > size * 0.8) break;
        paragraph = longer;
      }
      return paragraph;
    });
    assert.ok(
      paragraphs.every((paragraph) => tokensOf(paragraph) > size * 0.7 && tokensOf(paragraph) <= size * 0.8),
      paragraphs.map(tokensOf).join(", "),
    );
    const text = paragraphs.join("\n\n");
    assert.deepEqual(splitText(text, { size, overlap: 0 }), paragraphs);
    // The overlap does not move the cuts: each chunk still ends where its paragraph does.
    const withOverlap = splitText(text, { size, overlap: 15 });
    assert.equal(withOverlap.length, 3);
    withOverlap.forEach((chunk, index) => assert.ok(chunk.endsWith(paragraphs[index] ?? "")));
    assert.ok((withOverlap[1]?.length ?? 0) > (paragraphs[1]?.length ?? 0), "no overlap");
  });

  it("does not end a chunk on a Markdown heading", () => {
    const section = (title: string, seed: number): string =>
      `## ${title}\n\n${makeText({ seed, words: 30, lineBreaks: false, paragraphs: false })}`;
    const text = [section("First", 31), section("Second", 32), section("Third", 33)].join("\n\n");
    for (const chunk of splitText(text, { size: 100, overlap: 10 })) {
      assert.doesNotMatch(chunk, /(^|\n)#[^\n]*$/, `chunk ends with a heading: ...${chunk.slice(-60)}`);
    }
  });

  it("measures with the given token counter, word by word", () => {
    const words = Array.from({ length: 100 }, (_, index) => `w${index}`);
    const counted: string[] = [];
    const oneTokenPerWord = (word: string) => {
      counted.push(word);
      return 1;
    };
    const chunks = splitText(words.join(" "), { size: 10, overlap: 0, countTokens: oneTokenPerWord });
    assert.deepEqual(
      chunks.map((chunk) => chunk.split(" ").length),
      Array.from({ length: 10 }, () => 10),
    );
    assert.deepEqual(counted, words, "the counter sees each word on its own, without whitespace");
    // A counter where a word is dear makes chunks of fewer words.
    const dear = splitText(words.join(" "), { size: 10, overlap: 0, countTokens: () => 5 });
    assert.ok(dear.every((chunk) => chunk.split(" ").length === 2));
  });

  it("starts a chunk at a Markdown heading rather than at a paragraph break", () => {
    const paragraph = (seed: number) => makeText({ seed, words: 12, lineBreaks: false, paragraphs: false });
    const text = [
      paragraph(41),
      paragraph(42),
      paragraph(43),
      `## Heading\n\n${paragraph(44)}`,
      paragraph(45),
      paragraph(46),
    ].join("\n\n");
    const size = tokensOf(text.slice(0, text.indexOf("## Heading"))) + 8;
    const chunks = splitText(text, { size, overlap: 0 });
    assert.ok(chunks.length >= 2);
    assert.match(chunks[1] ?? "", /^## Heading\n\n/);
  });

  it("prefers line breaks to sentence ends", () => {
    const lines = Array.from(
      { length: 40 },
      (_, index) => `- item ${index} has a short description. It spans two sentences`,
    );
    const text = lines.join("\n");
    const chunks = splitText(text, { size: 50, overlap: 0 });
    for (const chunk of chunks) {
      assert.match(chunk, /^- item \d+ .*sentences$/s, `chunk does not hold whole lines: ${chunk}`);
    }
  });

  it("hard-splits only a word longer than size, and keeps the other words whole", () => {
    const longWord = "x".repeat(250); // 63 estimated tokens
    const text = `before the word ${longWord} after the word`;
    const chunks = splitText(text, { size: 20, overlap: 0 });
    for (const chunk of chunks) {
      assert.ok(tokensOf(chunk) <= 20, `${tokensOf(chunk)} tokens: ${chunk}`);
    }
    assert.equal(chunks.join("").replace(/[^x]/g, ""), longWord);
    for (const word of chunks.flatMap(wordsOf)) {
      assert.ok(/^x+$/.test(word) || ["before", "the", "word", "after"].includes(word), word);
    }
  });

  it("never cuts between the two halves of a surrogate pair", () => {
    const emojiWord = "😀".repeat(60); // a token per emoji
    const chunks = splitText(`start ${emojiWord} end`, { size: 13, overlap: 3 });
    assert.equal(chunks.join("").replace(/[^😀]/gu, ""), emojiWord);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const chunk of chunks) {
      assert.ok(tokensOf(chunk) <= 13);
      assert.doesNotMatch(chunk, loneSurrogate);
    }
  });

  it(`merges a last chunk shorter than ${LAST_CHUNK_MERGE_RATIO * 100}% of size into the previous one`, () => {
    const size = 21;
    const paragraph = `${"word ".repeat(18)}ends.`; // 20 tokens: 18 words, "ends" and "."
    const text = `${paragraph}\n\nTiny end.`; // 3 more
    assert.equal(tokensOf(paragraph), 20);
    assert.deepEqual(splitText(text, { size, overlap: 0 }), [text]);
    assert.ok(tokensOf(text) <= maxMergedChunkLength(size));
    // A remainder of a quarter of size or more stays a chunk of its own.
    const longerEnd = `${paragraph}\n\nThis ending is long enough to stand.`;
    assert.deepEqual(splitText(longerEnd, { size, overlap: 0 }), [
      paragraph,
      "This ending is long enough to stand.",
    ]);
  });

  // A quadratic split would not finish within the test's timeout; the speed itself is measured by
  // the benchmarks (bench/throughput.ts chunks every document it runs with it).
  it("splits 5 MB of text into chunks within the token limit", () => {
    const text = makeText({ seed: 5, words: 600_000, lineBreaks: true, paragraphs: true });
    assert.ok(text.length > 5_000_000);
    const chunks = splitText(text, { size: 256, overlap: 32 });
    assert.ok(chunks.every((chunk, index) => tokensOf(chunk) <= (index === chunks.length - 1 ? 320 : 256)));
  });
});
