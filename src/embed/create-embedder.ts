import type { Config } from "../config/config.js";
import type { Embedder } from "./embedder.js";
import { createHashEmbedder } from "./hash-embedder.js";

/** The configured embedder; called once per thread, where the model (if any) is loaded. */
export async function createEmbedder(
  config: Pick<Config, "embeddingProvider" | "embeddingDim">,
): Promise<Embedder> {
  switch (config.embeddingProvider) {
    case "hash":
      return createHashEmbedder(config.embeddingDim);
  }
}
