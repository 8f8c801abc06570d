import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PermanentError } from "../errors/permanent-error.js";

/** Files of a sentence-embedding repository that the onnx embedder reads, besides its weights file. */
const REQUIRED_FILES = ["config.json", "tokenizer.json"];
/** The weights file when EMBEDDING_ONNX_FILE names none. */
const DEFAULT_ONNX_FILE = "onnx/model.onnx";
const OPTIONAL_FILES = ["tokenizer_config.json", "1_Pooling/config.json", "sentence_bert_config.json"];

export interface ModelDownload {
  /** A Hugging Face model id, e.g. `sentence-transformers/all-MiniLM-L6-v2`. */
  readonly modelId: string;
  readonly cacheDir: string;
  /** The hub's base URL (`HF_ENDPOINT`, default https://huggingface.co). */
  readonly endpoint: string;
  readonly revision?: string;
  /** The weights file to fetch (EMBEDDING_ONNX_FILE, e.g. a quantized one); `onnx/model.onnx` by default. */
  readonly onnxFile?: string;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Brings a model id from the hub into `cacheDir/<id>` once and returns that directory. Only
 * called when EMBEDDING_ALLOW_DOWNLOAD=1: by default nothing is fetched at run time. Each file is
 * written under a temporary name and renamed, so an interrupted download is fetched again.
 */
export async function downloadModel(download: ModelDownload): Promise<string> {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(download.modelId)) {
    throw new PermanentError("EMBEDDING_REJECTED", `not a model id: ${download.modelId}`);
  }
  const target = join(download.cacheDir, download.modelId);
  const revision = download.revision ?? "main";
  // Only the weights the embedder will load: a repository's other variants are hundreds of MB each.
  const required = [...REQUIRED_FILES, download.onnxFile ?? DEFAULT_ONNX_FILE];
  for (const file of [...required, ...OPTIONAL_FILES]) {
    const path = join(target, file);
    if (await exists(path)) continue;
    const url = `${download.endpoint.replace(/\/$/, "")}/${download.modelId}/resolve/${revision}/${file}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(600_000) });
    if (!response.ok) {
      if (!required.includes(file) && response.status === 404) continue;
      throw new PermanentError(
        "EMBEDDING_REJECTED",
        `cannot download ${file} of ${download.modelId}: HTTP ${response.status}`,
      );
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.part`, new Uint8Array(await response.arrayBuffer()));
    await rename(`${path}.part`, path);
  }
  return target;
}
