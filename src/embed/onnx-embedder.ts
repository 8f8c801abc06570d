/**
 * A local sentence-embedding model run with onnxruntime-node: `EMBEDDING_PROVIDER=onnx`.
 *
 * The model directory has the usual Hugging Face layout: `tokenizer.json` (required),
 * `onnx/model.onnx` or `model.onnx` (required; or the file `onnxFile` names, such as a quantized
 * `onnx/model_quantized.onnx`), and optionally `config.json`,
 * `tokenizer_config.json`, `sentence_bert_config.json` and sentence-transformers' pooling
 * settings (`1_Pooling/config.json`, or the Pooling module named in `modules.json`). Nothing is
 * downloaded. One embedder (one session) per thread, created once.
 *
 * Texts are tokenized with @huggingface/tokenizers, truncated to the model's token limit (see
 * `resolveTokenLimit`: never longer than the position embeddings, so long input never crashes),
 * grouped by token length (src/embed/onnx-batch-plan.ts: sorted, cut to a count and a token
 * budget), each batch padded only to its own longest text and run through the session; the token
 * vectors are pooled (mean over real tokens, or the first token), L2-normalized and returned in
 * the caller's order. `planBatches` lets the pipeline hand a whole document's texts over in the
 * same groups, one call per batch, so it can still stop between batches.
 *
 * Caution for the thread pool: `session.run` is synchronous native code. Terminating a worker
 * thread while it is inside a run (Piscina abort or destroy, a resource limit, `process.exit`
 * from the main thread) aborts the whole process with "terminate called after throwing an
 * instance of 'Napi::Error'" (seen with onnxruntime-node 1.20.1 to 1.30.0). Let threads finish
 * their batch before ending them; sub-batches of `maxBatchSize` bound how long one run lasts.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

import { Tokenizer } from "@huggingface/tokenizers";
import { InferenceSession, Tensor } from "onnxruntime-node";

import { PermanentError } from "../errors/permanent-error.js";
import { TransientError } from "../errors/transient-error.js";
import type { Embedder } from "./embedder.js";
import { consecutiveBatches, planBatches, type BatchLimits } from "./onnx-batch-plan.js";

export type OnnxPooling = "mean" | "cls";

export interface OnnxEmbedderOptions {
  /** Directory with tokenizer.json and onnx/model.onnx (or model.onnx). */
  modelDir: string;
  /** Default: from the sentence-transformers pooling config, else mean. */
  pooling?: OnnxPooling;
  /** L2-normalize each vector (default true). */
  normalize?: boolean;
  /** onnxruntime's intra-op threads for this session: 1 per pool thread avoids oversubscription. */
  intraOpThreads: number;
  /** Token limit, special tokens included; never above the model's position embeddings. */
  maxLength?: number;
  /** Recorded in chunk metadata; default: the directory's name. */
  modelName?: string;
  /** Most texts per `session.run` (default 32): bounds memory and the length of one native call. */
  maxBatchSize?: number;
  /**
   * Most padded tokens per `session.run` (texts × the batch's longest; default `maxBatchSize` ×
   * 128): short texts go in full batches, long ones in smaller ones of about the same cost.
   */
  maxBatchTokens?: number;
  /**
   * `length` (default): batches of texts of about the same length; `input`: consecutive texts
   * in the caller's order, each batch padded to its longest (the path before length grouping, kept
   * to compare against).
   */
  batchOrder?: "length" | "input";
  /**
   * The weights file, relative to `modelDir` (EMBEDDING_ONNX_FILE), e.g. a quantized
   * `onnx/model_quantized.onnx`; default: the first of ONNX_MODEL_FILES that exists.
   */
  onnxFile?: string;
}

/** Where the ONNX weights are looked for, in this order. */
export const ONNX_MODEL_FILES = ["onnx/model.onnx", "model.onnx"] as const;

const DEFAULT_MAX_BATCH_SIZE = 32;
/**
 * Padded tokens per batch for each text of the count limit: 32 × 128 = 4,096 by default, which
 * keeps one run's attention scores (texts × heads × length², float32) near 100 MB for a 12-head
 * model at 512 tokens, while texts of up to 128 tokens still fill whole batches.
 */
const TOKENS_PER_BATCH_SLOT = 128;
/** Outputs with one vector per token, by preference; otherwise the model's first output. */
const TOKEN_OUTPUTS = ["last_hidden_state", "token_embeddings"];
const SUPPORTED_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids"]);
/** Models whose positions start after the padding index: two fewer usable positions. */
const OFFSET_POSITION_MODELS = new Set(["roberta", "xlm-roberta", "camembert", "longformer"]);
/**
 * Tokenizing a whole 50,000-word text to keep its first 128 tokens is wasted work: a text is
 * first tokenized from a prefix of this many characters per token of the limit (cut at
 * whitespace), and in full only when that prefix turns out to have too few tokens.
 */
const PREFIX_CHARS_PER_TOKEN = 16;
const WHITESPACE = /\s/;

type JsonObject = Record<string, unknown>;
type IdType = "int64" | "int32";

interface ModelFiles {
  onnxPath: string;
  tokenizerJson: JsonObject;
  tokenizerConfig: JsonObject;
  config: JsonObject | null;
  pooling: JsonObject | null;
  sentenceBertConfig: JsonObject | null;
}

export async function createOnnxEmbedder(options: OnnxEmbedderOptions): Promise<Embedder> {
  if (!Number.isInteger(options.intraOpThreads) || options.intraOpThreads < 1) {
    throw new RangeError(`intraOpThreads must be a positive integer, got ${options.intraOpThreads}`);
  }
  if (options.maxLength !== undefined && (!Number.isInteger(options.maxLength) || options.maxLength < 2)) {
    throw new RangeError(`maxLength must be an integer of at least 2, got ${options.maxLength}`);
  }
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  }
  const maxBatchTokens = options.maxBatchTokens ?? maxBatchSize * TOKENS_PER_BATCH_SLOT;
  if (!Number.isInteger(maxBatchTokens) || maxBatchTokens < 1) {
    throw new RangeError(`maxBatchTokens must be a positive integer, got ${maxBatchTokens}`);
  }
  const modelDir = path.resolve(options.modelDir);
  const rejected = (reason: string, cause?: unknown): PermanentError =>
    new PermanentError(
      "EMBEDDING_REJECTED",
      `cannot load ONNX model from ${modelDir}: ${reason}`,
      { modelDir },
      cause === undefined ? undefined : { cause },
    );

  const files = await readModelFiles(modelDir, options.onnxFile, rejected);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(files.tokenizerJson, files.tokenizerConfig);
  } catch (error) {
    throw rejected(`tokenizer.json: ${describe(error)}`, error);
  }

  let session: InferenceSession;
  try {
    session = await InferenceSession.create(files.onnxPath, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
  } catch (error) {
    throw rejected(`${path.relative(modelDir, files.onnxPath)}: ${describe(error)}`, error);
  }

  try {
    const inputs = describeInputs(session);
    const outputName = pickOutput(session);
    const tokenLimit = resolveTokenLimit(options.maxLength, files);
    const encoder = new TruncatingEncoder(tokenizer, tokenLimit);
    const pooling = options.pooling ?? poolingFromConfig(files.pooling) ?? "mean";
    const runner = new BatchRunner(session, inputs, outputName, pooling, options.normalize ?? true);
    const model = options.modelName ?? path.basename(modelDir);
    // One run at load: a model that cannot run fails here, once, not in every job; and warm.
    const probed = (await runner.run([encoder.encode("")]))[0]?.length;
    const dimension =
      outputDimension(session, outputName) ?? positiveInteger(files.config?.["hidden_size"]) ?? probed;
    if (dimension === undefined || dimension !== probed) {
      throw new Error(`the model gives ${probed} dimensions, its metadata says ${dimension}`);
    }
    const limits: BatchLimits = { maxCount: maxBatchSize, maxTokens: maxBatchTokens };
    const batchOrder = options.batchOrder ?? "length";
    return new OnnxEmbedder(model, dimension, encoder, runner, limits, batchOrder, session, tokenizer);
  } catch (error) {
    await session.release().catch(() => undefined);
    throw error instanceof PermanentError ? error : rejected(describe(error), error);
  }
}

class OnnxEmbedder implements Embedder {
  private closed = false;
  /**
   * Encodings `planBatches` made, kept for the `embed` calls that follow it: tokenizing costs
   * about a millisecond per 200-token chunk, some 4 % of embedding it, so it is done once.
   * Emptied as `embed` uses them and replaced by the next plan, so it holds one document at most.
   */
  private planned = new Map<string, Encoding>();
  readonly maxInputTokens: number;

  constructor(
    readonly model: string,
    readonly dimension: number,
    private readonly encoder: TruncatingEncoder,
    private readonly runner: BatchRunner,
    private readonly limits: BatchLimits,
    private readonly batchOrder: "length" | "input",
    private readonly session: InferenceSession,
    private readonly tokenizer: Tokenizer,
  ) {
    this.maxInputTokens = encoder.budget;
  }

  /** The chunker sizes chunks with this: the same tokenizer the model's input is cut with. */
  countTokens(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids.length;
  }

  /**
   * The batches `embed` would run for `texts`, as positions: the pipeline embeds a document's
   * texts batch by batch in this order, checking for cancellation between batches.
   */
  planBatches(texts: readonly string[]): number[][] {
    const encodings = texts.map((text) => this.encoder.encode(text));
    this.planned = new Map(texts.map((text, position) => [text, encodings[position] ?? EMPTY_ENCODING]));
    return this.plan(encodings);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed) {
      throw new Error(`ONNX embedder ${this.model} is closed`);
    }
    const encodings = texts.map((text) => this.encodeOnce(text));
    const vectors = new Array<Float32Array>(texts.length);
    for (const batch of this.plan(encodings)) {
      let results: Float32Array[];
      try {
        results = await this.runner.run(batch.map((position) => encodings[position] ?? EMPTY_ENCODING));
      } catch (error) {
        throw new TransientError(
          "EMBEDDING_UNAVAILABLE",
          `ONNX model ${this.model} failed on a batch of ${batch.length} texts: ${describe(error)}`,
          { model: this.model },
          { cause: error },
        );
      }
      batch.forEach((position, index) => {
        const vector = results[index];
        if (vector) vectors[position] = vector;
      });
    }
    for (const vector of vectors) {
      if (vector?.length !== this.dimension) {
        throw new PermanentError(
          "EMBEDDING_REJECTED",
          `ONNX model ${this.model} returned ${vector?.length ?? "no"} dimensions, expected ${this.dimension}`,
        );
      }
    }
    return vectors;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.planned.clear();
    await this.session.release();
  }

  private encodeOnce(text: string): Encoding {
    const planned = this.planned.get(text);
    if (planned === undefined) return this.encoder.encode(text);
    this.planned.delete(text);
    return planned;
  }

  private plan(encodings: readonly Encoding[]): number[][] {
    return this.batchOrder === "input"
      ? consecutiveBatches(encodings.length, this.limits.maxCount)
      : planBatches(
          encodings.map((encoding) => encoding.ids.length),
          this.limits,
        );
  }
}

interface Encoding {
  ids: number[];
  typeIds: number[];
}

const EMPTY_ENCODING: Encoding = { ids: [], typeIds: [] };

/**
 * Encodes with the tokenizer's special tokens and keeps at most `limit` tokens: the template's
 * leading specials, the first tokens of the text, the trailing specials (what Hugging Face's
 * truncation does for `[CLS] $A [SEP]`).
 */
class TruncatingEncoder {
  private readonly prefixLength: number;
  private readonly suffixLength: number;
  /** Tokens of text that fit between the special tokens. */
  readonly budget: number;

  constructor(
    private readonly tokenizer: Tokenizer,
    limit: number,
  ) {
    const empty = this.tokenizer.encode("").ids;
    const probe = this.tokenizer.encode("a").ids;
    const probeContent = this.tokenizer.encode("a", { add_special_tokens: false }).ids;
    let prefix = 0;
    while (prefix < empty.length && empty[prefix] === probe[prefix]) prefix += 1;
    if (probe.length !== empty.length + probeContent.length) {
      throw new Error("the tokenizer's post-processor is not of the form [prefix] $A [suffix]");
    }
    this.prefixLength = prefix;
    this.suffixLength = empty.length - prefix;
    this.budget = limit - empty.length;
    if (this.budget < 1) {
      throw new Error(`a limit of ${limit} tokens leaves no room beside ${empty.length} special tokens`);
    }
  }

  encode(text: string): Encoding {
    const prefixChars = this.budget * PREFIX_CHARS_PER_TOKEN;
    if (text.length > prefixChars) {
      const cut = lastWhitespaceBefore(text, prefixChars);
      if (cut > 0) {
        // Whole words only: the tokens before the cut are those of the full text.
        const encoding = this.encodeAll(text.slice(0, cut));
        if (encoding.ids.length - this.prefixLength - this.suffixLength >= this.budget) {
          return this.truncate(encoding);
        }
      }
    }
    return this.truncate(this.encodeAll(text));
  }

  private encodeAll(text: string): Encoding {
    const encoding = this.tokenizer.encode(text, { return_token_type_ids: true });
    // A tokenizer without a post-processor gives no type ids, whatever its typings say.
    return { ids: encoding.ids, typeIds: encoding.token_type_ids ?? [] };
  }

  private truncate(encoding: Encoding): Encoding {
    const keep = this.prefixLength + this.budget;
    if (encoding.ids.length <= keep + this.suffixLength) return encoding;
    const tail = encoding.ids.length - this.suffixLength;
    return {
      ids: [...encoding.ids.slice(0, keep), ...encoding.ids.slice(tail)],
      typeIds: [...encoding.typeIds.slice(0, keep), ...encoding.typeIds.slice(tail)],
    };
  }
}

interface ModelInputs {
  names: ReadonlySet<string>;
  idType: IdType;
}

/** Pads a batch to its longest sequence, runs the session, pools and normalizes. */
class BatchRunner {
  constructor(
    private readonly session: InferenceSession,
    private readonly inputs: ModelInputs,
    private readonly outputName: string,
    private readonly pooling: OnnxPooling,
    private readonly normalize: boolean,
  ) {}

  async run(encodings: readonly Encoding[]): Promise<Float32Array[]> {
    const batch = encodings.length;
    if (batch === 0) return [];
    let length = 0;
    for (const encoding of encodings) length = Math.max(length, encoding.ids.length);
    // Typed arrays filled in place: no intermediate number arrays, no BigInt per element twice.
    const ids = this.ids(batch * length);
    const mask = this.ids(batch * length);
    const types = this.ids(batch * length);
    const real = new Uint8Array(batch * length);
    encodings.forEach((encoding, row) => {
      const offset = row * length;
      encoding.ids.forEach((id, column) => {
        setId(ids, offset + column, id);
        setId(mask, offset + column, 1);
        setId(types, offset + column, encoding.typeIds[column] ?? 0);
        real[offset + column] = 1;
      });
    });
    const dims = [batch, length];
    const feeds: Record<string, Tensor> = { input_ids: this.tensor(ids, dims) };
    if (this.inputs.names.has("attention_mask")) feeds["attention_mask"] = this.tensor(mask, dims);
    if (this.inputs.names.has("token_type_ids")) feeds["token_type_ids"] = this.tensor(types, dims);

    const results = await this.session.run(feeds, [this.outputName]);
    const output = results[this.outputName];
    if (!(output instanceof Tensor) || output.type !== "float32" || !(output.data instanceof Float32Array)) {
      throw new Error(`output ${this.outputName} is not a float32 tensor`);
    }
    const vectors = pool(output.data, output.dims, real, batch, length, this.pooling);
    if (this.normalize) vectors.forEach(normalizeInPlace);
    return vectors;
  }

  private ids(size: number): IdArray {
    return this.inputs.idType === "int64" ? new BigInt64Array(size) : new Int32Array(size);
  }

  private tensor(values: IdArray, dims: readonly number[]): Tensor {
    return values instanceof BigInt64Array
      ? new Tensor("int64", values, dims)
      : new Tensor("int32", values, dims);
  }
}

type IdArray = BigInt64Array | Int32Array;

function setId(array: IdArray, index: number, value: number): void {
  if (array instanceof BigInt64Array) array[index] = BigInt(value);
  else array[index] = value;
}

/** One vector per text from token vectors [batch, seq, hidden], or already pooled [batch, hidden]. */
function pool(
  data: Float32Array,
  dims: readonly number[],
  mask: Uint8Array,
  batch: number,
  length: number,
  pooling: OnnxPooling,
): Float32Array[] {
  if (dims.length === 2 && dims[0] === batch) {
    const hidden = dims[1] ?? 0;
    return Array.from({ length: batch }, (_, row) => data.slice(row * hidden, (row + 1) * hidden));
  }
  if (dims.length !== 3 || dims[0] !== batch || dims[1] !== length) {
    throw new Error(`unexpected output shape [${dims.join(", ")}] for a batch of [${batch}, ${length}]`);
  }
  const hidden = dims[2] ?? 0;
  const vectors: Float32Array[] = [];
  for (let row = 0; row < batch; row += 1) {
    const base = row * length * hidden;
    if (pooling === "cls") {
      vectors.push(data.slice(base, base + hidden));
      continue;
    }
    const sum = new Float32Array(hidden);
    let tokens = 0;
    for (let position = 0; position < length; position += 1) {
      if (mask[row * length + position] !== 1) continue;
      tokens += 1;
      const offset = base + position * hidden;
      for (let index = 0; index < hidden; index += 1) {
        sum[index] = (sum[index] ?? 0) + (data[offset + index] ?? 0);
      }
    }
    const scale = 1 / Math.max(tokens, 1);
    for (let index = 0; index < hidden; index += 1) {
      sum[index] = (sum[index] ?? 0) * scale;
    }
    vectors.push(sum);
  }
  return vectors;
}

function normalizeInPlace(vector: Float32Array): void {
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  if (sumOfSquares === 0) return;
  const scale = 1 / Math.sqrt(sumOfSquares);
  for (let index = 0; index < vector.length; index += 1) {
    vector[index] = (vector[index] ?? 0) * scale;
  }
}

async function readModelFiles(
  modelDir: string,
  onnxFile: string | undefined,
  rejected: (reason: string, cause?: unknown) => PermanentError,
): Promise<ModelFiles> {
  try {
    if (!(await stat(modelDir)).isDirectory()) throw rejected("not a directory");
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    throw rejected(describe(error), error);
  }
  let onnxPath: string | undefined;
  for (const candidate of onnxFile === undefined ? ONNX_MODEL_FILES : [onnxFile]) {
    const file = path.join(modelDir, candidate);
    if (await isFile(file)) {
      onnxPath = file;
      break;
    }
  }
  if (onnxPath === undefined) {
    // Name what was asked for and what is there: a quantized file's name differs between repositories.
    const present = await listOnnxFiles(modelDir);
    const there = present.length > 0 ? `.onnx files there: ${present.join(", ")}` : "no .onnx file there";
    throw rejected(
      onnxFile === undefined
        ? `no ONNX weights (looked for ${ONNX_MODEL_FILES.join(", ")}; ${there})`
        : `EMBEDDING_ONNX_FILE ${onnxFile} not found (${there})`,
    );
  }
  const json = async (name: string, required: boolean): Promise<JsonObject | null> => {
    const file = path.join(modelDir, name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if (!required && (error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw rejected(`${name}: ${describe(error)}`, error);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw rejected(`${name}: ${describe(error)}`, error);
    }
    if (!isObject(value)) throw rejected(`${name}: not a JSON object`);
    return value;
  };
  const tokenizerJson = await json("tokenizer.json", true);
  if (tokenizerJson === null) throw rejected("tokenizer.json missing");
  return {
    onnxPath,
    tokenizerJson,
    tokenizerConfig: (await json("tokenizer_config.json", false)) ?? {},
    config: await json("config.json", false),
    pooling: await json(path.join(await poolingDir(modelDir), "config.json"), false),
    sentenceBertConfig: await json("sentence_bert_config.json", false),
  };
}

/** sentence-transformers' Pooling module directory: from modules.json, else `1_Pooling`. */
async function poolingDir(modelDir: string): Promise<string> {
  try {
    const modules: unknown = JSON.parse(await readFile(path.join(modelDir, "modules.json"), "utf8"));
    if (Array.isArray(modules)) {
      for (const module of modules) {
        if (
          isObject(module) &&
          typeof module["type"] === "string" &&
          module["type"].endsWith(".Pooling") &&
          typeof module["path"] === "string" &&
          module["path"] !== ""
        ) {
          return module["path"];
        }
      }
    }
  } catch {
    // No or unreadable modules.json: the conventional directory.
  }
  return "1_Pooling";
}

function poolingFromConfig(config: JsonObject | null): OnnxPooling | null {
  if (config?.["pooling_mode_cls_token"] === true) return "cls";
  if (config?.["pooling_mode_mean_tokens"] === true) return "mean";
  return null;
}

/**
 * Tokens kept per text, special tokens included: the `maxLength` option, else the length the
 * model was trained with (sentence_bert_config.json's max_seq_length), else the tokenizer's
 * truncation, else tokenizer_config.json's model_max_length; always capped by the position
 * embeddings, past which the model cannot run.
 */
function resolveTokenLimit(maxLength: number | undefined, files: ModelFiles): number {
  const truncation = files.tokenizerJson["truncation"];
  const configured =
    maxLength ??
    positiveInteger(files.sentenceBertConfig?.["max_seq_length"]) ??
    (isObject(truncation) ? positiveInteger(truncation["max_length"]) : undefined) ??
    positiveInteger(files.tokenizerConfig["model_max_length"], 1_000_000);
  let positions = positiveInteger(files.config?.["max_position_embeddings"]);
  const modelType = files.config?.["model_type"];
  if (positions !== undefined && typeof modelType === "string" && OFFSET_POSITION_MODELS.has(modelType)) {
    positions -= 2;
  }
  const limit = Math.min(configured ?? Infinity, positions ?? Infinity);
  if (!Number.isFinite(limit)) {
    throw new Error(
      "no token limit: config.json has no max_position_embeddings and no tokenizer limit is set; pass maxLength",
    );
  }
  return limit;
}

function describeInputs(session: InferenceSession): ModelInputs {
  const names = new Set(session.inputNames);
  if (!names.has("input_ids")) {
    throw new Error(`the model has no input_ids input (inputs: ${session.inputNames.join(", ")})`);
  }
  const unsupported = session.inputNames.filter((name) => !SUPPORTED_INPUTS.has(name));
  if (unsupported.length > 0) {
    throw new Error(`unsupported model inputs: ${unsupported.join(", ")}`);
  }
  const types = new Set<string>();
  for (const metadata of session.inputMetadata) {
    if (!metadata.isTensor) throw new Error(`input ${metadata.name} is not a tensor`);
    types.add(metadata.type);
  }
  const [idType] = [...types];
  if (types.size !== 1 || (idType !== "int64" && idType !== "int32")) {
    throw new Error(`inputs must all be int64 or all int32, got ${[...types].join(", ")}`);
  }
  return { names, idType };
}

function pickOutput(session: InferenceSession): string {
  const name =
    TOKEN_OUTPUTS.find((candidate) => session.outputNames.includes(candidate)) ?? session.outputNames[0];
  if (name === undefined) throw new Error("the model has no outputs");
  const metadata = session.outputMetadata.find((output) => output.name === name);
  if (metadata?.isTensor && metadata.type !== "float32") {
    throw new Error(`output ${name} is ${metadata.type}, only float32 is supported`);
  }
  return name;
}

function outputDimension(session: InferenceSession, outputName: string): number | undefined {
  const metadata = session.outputMetadata.find((output) => output.name === outputName);
  if (!metadata?.isTensor) return undefined;
  return positiveInteger(metadata.shape[metadata.shape.length - 1]);
}

function positiveInteger(value: unknown, below = Infinity): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value < below
    ? value
    : undefined;
}

function lastWhitespaceBefore(text: string, end: number): number {
  for (let index = end; index > 0; index -= 1) {
    if (WHITESPACE.test(text.charAt(index))) return index;
  }
  return -1;
}

/** The .onnx files of the model directory and its subdirectories, relative to it, sorted. */
async function listOnnxFiles(modelDir: string): Promise<string[]> {
  try {
    const entries = await readdir(modelDir, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(".onnx"))
      .map((entry) => path.relative(modelDir, path.join(entry.parentPath, entry.name)))
      .sort();
  } catch {
    return [];
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
