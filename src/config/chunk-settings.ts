import { flag, integer } from "./readers.js";
import { given, setting, type Env } from "./setting.js";

export type ChunkUnit = "characters" | "tokens";

export interface NodeSettings {
  readonly enabled: boolean;
  readonly groupSize: number;
  readonly textMaxChars: number;
}

export interface Chunking {
  readonly chunkUnit: ChunkUnit;
  readonly chunkSize: number;
  readonly chunkOverlap: number;
}

const CHUNK_SIZE = setting("CHUNK_SIZE", integer(1, 10_000_000, "characters"), {
  default: "900",
  describe:
    "rag-corp's meaning: chunk size in **characters** (code points), rag-corp's chunker (see \"Chunking\")",
});

const CHUNK_TOKENS = setting("CHUNK_TOKENS", integer(8, 100_000, "tokens"), {
  default: "200",
  defaultText: "unset",
  describe:
    "set it to use ragworker's structure-aware token chunker instead (chunks keep `page` and `headingPath`); with `EMBEDDING_MAX_LENGTH` set, `CHUNK_TOKENS` + 25% must stay below it",
});

/**
 * CHUNK_SIZE/CHUNK_OVERLAP keep rag-corp's meaning (code points, 900/120, its chunker); setting
 * CHUNK_TOKENS switches to the token chunker, whose sizes count the embedder's tokens. An overlap
 * left unset stays below a small size; one set at or above it is refused (cross-field-rules.ts).
 */
export const CHUNK_SETTINGS = {
  size: CHUNK_SIZE,
  overlap: setting("CHUNK_OVERLAP", integer(0, 10_000_000, "characters"), {
    default: (env) => String(Math.min(120, CHUNK_SIZE.read(env) - 1)),
    defaultText: "`120` (at most `CHUNK_SIZE` − 1)",
    describe: "characters of a chunk's end repeated at the start of the next; less than `CHUNK_SIZE`",
  }),
  tokens: CHUNK_TOKENS,
  overlapTokens: setting("CHUNK_OVERLAP_TOKENS", integer(0, 100_000, "tokens"), {
    default: (env) => String(Math.min(30, CHUNK_TOKENS.read(env) - 1)),
    defaultText: "`30` (at most `CHUNK_TOKENS` − 1)",
    describe: "the token chunker's overlap; less than `CHUNK_TOKENS`",
  }),
};

/** rag-corp's 2-tier retrieval: nodes (groups of chunks) written beside the chunks. */
export const NODE_SETTINGS = {
  enabled: setting("ENABLE_2TIER_RETRIEVAL", flag, {
    default: "false",
    describe:
      "rag-corp's 2-tier retrieval: `nodes` rows (groups of chunks, embedded) beside the chunks; needs rag-corp's `nodes` table",
  }),
  groupSize: setting("NODE_GROUP_SIZE", integer(1, 10_000), {
    default: "5",
    describe: "2-tier retrieval: chunks per node",
  }),
  textMaxChars: setting("NODE_TEXT_MAX_CHARS", integer(1, 1_000_000), {
    default: "2000",
    describe: "2-tier retrieval: characters of a node's text, at most",
  }),
};

export function readChunking(env: Env): Chunking {
  if (given(env, CHUNK_TOKENS.name) !== null) {
    return {
      chunkUnit: "tokens",
      chunkSize: CHUNK_SETTINGS.tokens.read(env),
      chunkOverlap: CHUNK_SETTINGS.overlapTokens.read(env),
    };
  }
  return {
    chunkUnit: "characters",
    chunkSize: CHUNK_SETTINGS.size.read(env),
    chunkOverlap: CHUNK_SETTINGS.overlap.read(env),
  };
}
