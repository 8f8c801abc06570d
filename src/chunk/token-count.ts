/**
 * How many tokens a word (a run of non-whitespace) costs. The splitter measures chunks as the sum
 * of their words' counts: exact for WordPiece tokenizers (BERT and its kin split on whitespace
 * before anything else), within a token or so per word for byte-level BPE and SentencePiece ones,
 * which fold the preceding space into the word's first token.
 */
export type TokenCounter = (word: string) => number;

// Runs of letters (with their combining marks), runs of digits, and single other characters.
const PIECES = /[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}]/gu;
// Scripts written without spaces, where tokenizers spend about one token per character.
const IDEOGRAPHIC = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;
const LETTER = /^[\p{L}\p{M}]/u;
const DIGIT = /^\p{N}/u;
const LETTERS_PER_TOKEN = 4;
const DIGITS_PER_TOKEN = 3;

/**
 * The approximation used when the embedder has no tokenizer of its own (hash, openai): a letter
 * run costs one token per 4 letters (rounded up), a digit run one per 3 digits, a character of a
 * script written without spaces (CJK, Thai) one each, and every other character (punctuation,
 * symbols, emoji) one. On English prose this gives about 1.3 tokens per word, close to or a
 * little above what BPE and WordPiece vocabularies of 30k–100k entries give; erring high keeps
 * chunks under a model's input limit.
 */
export function estimateTokens(word: string): number {
  return estimateAsciiTokens(word) ?? estimateUnicodeTokens(word);
}

/**
 * The same estimate for a word of ASCII characters only (most words of most documents), in one
 * loop without regular expressions: several times faster, and chunking 5 MB counts a million
 * words. Undefined for any other word.
 */
function estimateAsciiTokens(word: string): number | undefined {
  let tokens = 0;
  let letters = 0;
  let digits = 0;
  for (let index = 0; index < word.length; index += 1) {
    const code = word.charCodeAt(index);
    if (code >= 0x80) return undefined;
    const lower = code | 0x20;
    if (lower >= 0x61 && lower <= 0x7a) {
      if (digits > 0) tokens += Math.ceil(digits / DIGITS_PER_TOKEN);
      digits = 0;
      letters += 1;
    } else if (code >= 0x30 && code <= 0x39) {
      if (letters > 0) tokens += Math.ceil(letters / LETTERS_PER_TOKEN);
      letters = 0;
      digits += 1;
    } else {
      tokens += 1 + Math.ceil(letters / LETTERS_PER_TOKEN) + Math.ceil(digits / DIGITS_PER_TOKEN);
      letters = 0;
      digits = 0;
    }
  }
  tokens += Math.ceil(letters / LETTERS_PER_TOKEN) + Math.ceil(digits / DIGITS_PER_TOKEN);
  return Math.max(tokens, 1);
}

function estimateUnicodeTokens(word: string): number {
  let tokens = 0;
  for (const match of word.matchAll(PIECES)) {
    const piece = match[0];
    if (LETTER.test(piece)) {
      tokens += IDEOGRAPHIC.test(piece) ? [...piece].length : Math.ceil(piece.length / LETTERS_PER_TOKEN);
    } else if (DIGIT.test(piece)) {
      tokens += Math.ceil(piece.length / DIGITS_PER_TOKEN);
    } else {
      tokens += 1;
    }
  }
  return Math.max(tokens, 1);
}

/** Words repeat (a few thousand distinct ones make most of any text): each is counted once. */
const CACHE_LIMIT = 200_000;

export function cachedTokenCounter(count: TokenCounter): TokenCounter {
  const cache = new Map<string, number>();
  return (word) => {
    let tokens = cache.get(word);
    if (tokens === undefined) {
      // Whitespace-free text always costs a token at least, whatever the tokenizer drops.
      tokens = Math.max(1, count(word));
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(word, tokens);
    }
    return tokens;
  };
}
