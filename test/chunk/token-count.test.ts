import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { cachedTokenCounter, estimateTokens } from "../../src/chunk/token-count.js";

describe("estimateTokens", () => {
  it("counts a token per 4 letters, per 3 digits, per CJK character and per other character", () => {
    assert.equal(estimateTokens("a"), 1);
    assert.equal(estimateTokens("word"), 1);
    assert.equal(estimateTokens("words"), 2);
    assert.equal(estimateTokens("normalization"), 4);
    assert.equal(estimateTokens("2024"), 2);
    assert.equal(estimateTokens("end."), 2);
    assert.equal(estimateTokens("(see"), 2);
    assert.equal(estimateTokens("東京都"), 3);
    assert.equal(estimateTokens("😀😀"), 2);
    assert.equal(estimateTokens("café"), 1);
    assert.equal(estimateTokens("w1a2b"), 5, "letters and digits alternate: five runs");
    assert.equal(estimateTokens("don't"), 3);
    assert.equal(estimateTokens("https://example.com/a"), 11);
    assert.equal(estimateTokens("e\u0301t\u00e9s"), 2, "combining marks stay in their letter run");
  });

  it("gives about 1.3 tokens per word on English prose", () => {
    const prose =
      "The worker reads each uploaded document, extracts its text with the parser for its format, " +
      "splits the text into chunks at headings, paragraphs and sentences, and stores every chunk " +
      "with its embedding so that a retriever can find the passage that answers a question.";
    const words = prose.split(/\s+/);
    const ratio = words.reduce((total, word) => total + estimateTokens(word), 0) / words.length;
    assert.ok(ratio > 1.1 && ratio < 1.7, `ratio ${ratio}`);
  });
});

describe("cachedTokenCounter", () => {
  it("counts each distinct word once and never less than one token", () => {
    const seen: string[] = [];
    const count = cachedTokenCounter((word) => {
      seen.push(word);
      return word === "\u200b" ? 0 : word.length;
    });
    assert.equal(count("abc"), 3);
    assert.equal(count("abc"), 3);
    assert.equal(count("de"), 2);
    assert.equal(count("\u200b"), 1);
    assert.deepEqual(seen, ["abc", "de", "\u200b"]);
  });
});
