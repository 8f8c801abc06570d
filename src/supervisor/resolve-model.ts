import { stat } from "node:fs/promises";
import type { Config } from "../config/config.js";
import { downloadModel } from "../models/model-download.js";
import type { Logger } from "../logging/logger.js";
import { StartupError } from "../errors/startup-error.js";

const isDirectory = (path: string) =>
  stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );

/**
 * For the onnx provider, makes EMBEDDING_MODEL a local directory: as given, or (only with
 * EMBEDDING_ALLOW_DOWNLOAD=1) downloaded once from the hub into EMBEDDING_CACHE_DIR, here in the
 * supervisor so the threads never download.
 */
export async function resolveModel(config: Config, logger: Logger): Promise<Config> {
  const { embedding } = config;
  if (config.embeddingProvider !== "onnx" || !embedding.model || (await isDirectory(embedding.model)))
    return config;
  if (!embedding.allowDownload) {
    throw new StartupError(
      `EMBEDDING_MODEL ${embedding.model} is not a directory; put the model there, or set EMBEDDING_ALLOW_DOWNLOAD=1 to fetch it from the hub`,
    );
  }
  logger.info({ model: embedding.model, cacheDir: embedding.cacheDir }, "downloading the embedding model");
  try {
    const dir = await downloadModel({
      modelId: embedding.model,
      cacheDir: embedding.cacheDir,
      endpoint: embedding.hubEndpoint,
      ...(embedding.onnxFile ? { onnxFile: embedding.onnxFile } : {}),
    });
    logger.info({ model: embedding.model, dir }, "embedding model ready");
    return { ...config, embedding: { ...embedding, model: dir } };
  } catch (error) {
    throw new StartupError(
      `cannot download embedding model ${embedding.model}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
