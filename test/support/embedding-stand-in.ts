/**
 * An OpenAI-compatible embedding service of the test's own whose answer can be switched while a
 * worker uses it: `ok` (vectors of the dimension asked for), `unavailable` (503, a service having a
 * bad minute) or `throttled` (429 with `Retry-After`). The embedding outage test and fault row 14
 * run the worker on it with EMBEDDING_PROVIDER=openai.
 */
import { recordingServers, sendJson } from "./recording-server.js";

export type StandInMode = "ok" | "unavailable" | "throttled";

export interface EmbeddingStandIn {
  readonly url: string;
  /** What it answers from now on. */
  mode: StandInMode;
  /** Requests answered in each mode so far. */
  readonly answered: Readonly<Record<StandInMode, number>>;
  /** The worker's variables for this service. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export const STAND_IN_MODEL = "stand-in-embed";

/** `retryAfterSeconds`: the `Retry-After` of its 429s. */
export async function startEmbeddingStandIn(
  dimension: number,
  options: { retryAfterSeconds?: number } = {},
): Promise<EmbeddingStandIn> {
  const servers = recordingServers("an embedding stand-in");
  const answered: Record<StandInMode, number> = { ok: 0, unavailable: 0, throttled: 0 };
  let mode: StandInMode = "ok";
  const server = await servers.start((request, _count, response) => {
    answered[mode] += 1;
    if (mode === "unavailable") {
      sendJson(response, 503, { error: { message: "Service Unavailable", type: "server_error" } });
      return;
    }
    if (mode === "throttled") {
      sendJson(
        response,
        429,
        { error: { message: "Rate limit reached; retry later", type: "rate_limit_exceeded" } },
        { "retry-after": String(options.retryAfterSeconds ?? 1) },
      );
      return;
    }
    const body = JSON.parse(request.body) as { input: string[]; model: string };
    const data = body.input.map((text, index) => ({
      index,
      embedding: Array.from({ length: dimension }, (_, i) => ((text.length * (i + 1)) % 97) / 97 + 0.01),
    }));
    sendJson(response, 200, { object: "list", data, model: body.model });
  });
  return {
    url: server.url,
    get mode() {
      return mode;
    },
    set mode(next: StandInMode) {
      mode = next;
    },
    answered,
    env: () => ({ EMBEDDING_PROVIDER: "openai", EMBEDDING_URL: server.url, EMBEDDING_MODEL: STAND_IN_MODEL }),
    close: () => servers.closeAll(),
  };
}
