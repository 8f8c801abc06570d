/** Turns texts into vectors of a fixed dimension; one instance per thread. */
export interface Embedder {
  /** Model identity recorded in each chunk's metadata. */
  readonly model: string;
  readonly dimension: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  close?(): Promise<void>;
}
