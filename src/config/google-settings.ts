import { httpUrlWithoutCredentials, integer, seconds, text } from "./readers.js";
import { optionalSetting, readGroup, setting, type Env } from "./setting.js";

/** rag-corp's Google provider (Gemini `text-embedding-004`) and its retry policy. */
export interface GoogleEmbeddingSettings {
  readonly apiKey: string | null;
  /** The API's base URL; only tests (a local stand-in) and proxies change it. */
  readonly baseUrl: string;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** rag-corp's names and defaults: RETRY_* are total attempts and seconds. */
export const GOOGLE_SETTINGS = {
  apiKey: optionalSetting("GOOGLE_API_KEY", text("the Gemini API key"), {
    describe:
      "rag-corp's Google provider: Gemini `text-embedding-004`, task type `RETRIEVAL_DOCUMENT`, 10 texts a request; never logged",
  }),
  baseUrl: setting("GOOGLE_EMBEDDING_URL", httpUrlWithoutCredentials(), {
    default: "https://generativelanguage.googleapis.com",
    describe: "`google`: the API's base URL (a proxy or a local stand-in)",
  }),
  maxAttempts: setting("RETRY_MAX_ATTEMPTS", integer(1, 100), {
    default: "3",
    describe:
      "`google`: attempts per request in all; retried on 408/429/5xx, timeouts and refused connections",
  }),
  baseDelayMs: setting("RETRY_BASE_DELAY_SECONDS", seconds(0, 3600), {
    default: "1.0",
    describe: "`google`: the backoff `min(base·2^(n-1) + uniform(0, base), max)`: its base",
  }),
  maxDelayMs: setting("RETRY_MAX_DELAY_SECONDS", seconds(0, 3600), {
    default: "30.0",
    describe: "`google`: the backoff's longest wait",
  }),
};

export const readGoogleSettings = (env: Env): GoogleEmbeddingSettings => readGroup(env, GOOGLE_SETTINGS);
