import { embeddingsEndpoint } from "../embed/openai-embedder.js";
import { GOOGLE_SETTINGS, readGoogleSettings, type GoogleEmbeddingSettings } from "./google-settings.js";
import { acceptedBy, flag, integer, milliseconds, oneOf, text, urlWith } from "./readers.js";
import { given, optionalSetting, readGroup, setting, type Env } from "./setting.js";

// `fake` and `google` are rag-corp's two providers, in its embedding space (see the README).
export const EMBEDDING_PROVIDERS = ["hash", "onnx", "openai", "fake", "google"] as const;
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

export const EMBEDDING_CACHE_BACKENDS = ["auto", "memory", "redis", "off"] as const;
export type EmbeddingCacheBackend = (typeof EMBEDDING_CACHE_BACKENDS)[number];

/** Provider-specific embedding settings; which ones matter depends on EMBEDDING_PROVIDER. */
export interface EmbeddingSettings {
  /** onnx: the model directory; openai: the model name sent to the service. */
  readonly model: string | null;
  readonly pooling: "mean" | "cls" | null;
  readonly normalize: boolean;
  readonly intraOpThreads: number;
  readonly maxLength: number | null;
  /** onnx: the weights file inside the model directory; null: onnx/model.onnx, else model.onnx. */
  readonly onnxFile: string | null;
  readonly url: string | null;
  readonly apiKey: string | null;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxConcurrency: number;
  /** onnx: fetch EMBEDDING_MODEL from the hub when it is a model id, not a directory. */
  readonly allowDownload: boolean;
  readonly cacheDir: string;
  readonly hubEndpoint: string;
  readonly google: GoogleEmbeddingSettings;
  /** rag-corp's embedding cache (`rag:embedding:<sha256>` in Redis, or in memory). */
  readonly cacheBackend: EmbeddingCacheBackend;
}

export const FAKE_EMBEDDINGS = setting("FAKE_EMBEDDINGS", flag, {
  default: "false",
  describe: "rag-corp's switch to its fake provider (deterministic SHA-256 vectors, 768 dimensions)",
});

const PROVIDER = setting("EMBEDDING_PROVIDER", oneOf([...EMBEDDING_PROVIDERS]), {
  // rag-corp's own selection: FAKE_EMBEDDINGS picks its fake provider, a GOOGLE_API_KEY its Google one.
  default: (env) => {
    if (FAKE_EMBEDDINGS.read(env)) return "fake";
    return given(env, GOOGLE_SETTINGS.apiKey.name) !== null ? "google" : "hash";
  },
  defaultText: "`hash`, or rag-corp's choice",
  describe:
    "`hash` (no model), `onnx` (a local model in every thread), `openai` (an OpenAI-compatible HTTP service), `fake` and `google` (rag-corp's two providers); unset: `fake` when `FAKE_EMBEDDINGS` is true, `google` when `GOOGLE_API_KEY` is set, else `hash`",
});

/** The provider and the sizes every provider shares. */
export const EMBEDDING_SETTINGS = {
  embeddingProvider: PROVIDER,
  embeddingDim: setting("EMBEDDING_DIM", integer(1, 16_000), {
    default: "768",
    describe:
      "must equal the `chunks.embedding` column's dimension and the model's; both checked at start (`fake`: 768)",
  }),
  embeddingBatchSize: setting("EMBEDDING_BATCH_SIZE", integer(1, 4096), {
    default: "32",
    describe: "chunks per embedding call",
  }),
};

/** What `embedding` holds: each provider's own settings. */
export const PROVIDER_SETTINGS = {
  model: optionalSetting("EMBEDDING_MODEL", text("a model directory or name"), {
    describe: "`onnx`: the model directory (or hub id); `openai`: the model name sent to the service",
  }),
  pooling: optionalSetting("EMBEDDING_POOLING", oneOf(["mean", "cls"]), {
    defaultText: "from the model",
    describe: "`onnx`: `mean` or `cls` (default: the model's `1_Pooling/config.json`, else mean)",
  }),
  normalize: setting("EMBEDDING_NORMALIZE", flag, { default: "1", describe: "`onnx`: L2-normalize" }),
  intraOpThreads: setting("EMBEDDING_INTRA_OP_THREADS", integer(1, 256), {
    default: "1",
    describe: "`onnx`: onnxruntime threads per pool thread (N pool threads use N cores)",
  }),
  maxLength: optionalSetting("EMBEDDING_MAX_LENGTH", integer(1, 100_000), {
    defaultText: "the model's",
    describe: "`onnx`: tokens per input; longer inputs are truncated",
  }),
  onnxFile: optionalSetting(
    "EMBEDDING_ONNX_FILE",
    // Inside the model directory only: the file is looked up next to the model's tokenizer.
    acceptedBy(onnxFileInsideModel, "a relative path ending in .onnx, without `..`"),
    {
      defaultText: "`onnx/model.onnx`, else `model.onnx`",
      describe:
        "`onnx`: another weights file of the model directory, e.g. a quantized `onnx/model_quantized.onnx` or `onnx/model_qint8_avx512.onnx`; a missing one stops the start with the `.onnx` files that are there",
    },
  ),
  url: optionalSetting(
    "EMBEDDING_URL",
    // The embedder's own URL rules (no credentials in the URL: fetch would echo them).
    acceptedBy(embeddingsEndpoint, "an http(s) URL without credentials (put the key in EMBEDDING_API_KEY)"),
    { describe: "`openai`: the service's base URL (with or without `/v1`)" },
  ),
  apiKey: optionalSetting("EMBEDDING_API_KEY", text("the service's key"), {
    describe: "`openai`: the service's key, sent as `Bearer`, never logged",
  }),
  timeoutMs: setting("EMBEDDING_TIMEOUT_MS", milliseconds(100, 600_000), {
    default: "30000",
    describe: "`openai` and `google`: per request",
  }),
  maxRetries: setting("EMBEDDING_MAX_RETRIES", integer(0, 20), {
    default: "4",
    describe: "`openai`: retries on 429 (honouring `Retry-After`), 5xx, timeouts",
  }),
  maxConcurrency: setting("EMBEDDING_MAX_CONCURRENCY", integer(1, 1000), {
    default: "4",
    describe: "`openai` and `google`: requests in flight at once across all threads of the process",
  }),
  allowDownload: setting("EMBEDDING_ALLOW_DOWNLOAD", flag, {
    default: "0",
    describe:
      "`onnx`: `EMBEDDING_MODEL` may be a model id, fetched once from `HF_ENDPOINT` by the supervisor before the threads start",
  }),
  cacheDir: setting("EMBEDDING_CACHE_DIR", text("a directory"), {
    default: "./data/models",
    describe: "`onnx`: where downloaded models are kept",
  }),
  hubEndpoint: setting("HF_ENDPOINT", urlWith(["http:", "https:"]), {
    default: "https://huggingface.co",
    describe: "`onnx`: the model hub `EMBEDDING_ALLOW_DOWNLOAD` fetches from",
  }),
  cacheBackend: setting("EMBEDDING_CACHE_BACKEND", oneOf([...EMBEDDING_CACHE_BACKENDS], { anyCase: true }), {
    // rag-corp caches its two providers' vectors; for the local ones a lookup costs more than it saves.
    default: (env) => (["fake", "google"].includes(PROVIDER.read(env)) ? "auto" : "off"),
    defaultText: "`auto` for `fake`/`google`, else `off`",
    describe:
      "rag-corp's embedding cache: `redis` (`rag:embedding:<sha256>` keys, 1 h TTL, shared with rag-corp's API), `memory` (LRU of 1,000, 1 h), `auto` (Redis when it answers, else memory), `off`",
  }),
};

function onnxFileInsideModel(value: string): void {
  const parts = value.split(/[\\/]/);
  if (!value.endsWith(".onnx") || value.startsWith("/") || /^[A-Za-z]:/.test(value) || parts.includes("..")) {
    throw new RangeError(`not a relative .onnx path inside the model directory: ${value}`);
  }
}

export const readEmbeddingSettings = (env: Env): EmbeddingSettings => ({
  ...readGroup(env, PROVIDER_SETTINGS),
  google: readGoogleSettings(env),
});
