/** Turns texts into vectors of a fixed dimension; one instance per thread. */
export interface Embedder {
  /** Model identity recorded in each chunk's metadata. */
  readonly model: string;
  readonly dimension: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /**
   * Tokens the model's own tokenizer makes of `text`, special tokens left out. Embedders without
   * a local tokenizer leave it out, and chunk sizes are estimated (see estimateTokens).
   */
  countTokens?(text: string): number;
  /**
   * Embedders that batch by input length (onnx) say here how they would batch `texts`: positions,
   * one array per batch. The pipeline then hands a document's texts over batch by batch in this
   * order instead of in document order, and still checks for cancellation between batches.
   */
  planBatches?(texts: readonly string[]): number[][];
  /** Most tokens of text one input can hold (special tokens left out); more is truncated. */
  readonly maxInputTokens?: number;
  close?(): Promise<void>;
}
