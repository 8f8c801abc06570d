/**
 * An embedder that can also hand out its vectors before they are rounded to float32.
 *
 * rag-corp keeps float64 vectors (Python floats) in its embedding cache; the embedding cache asks
 * for them when the provider offers them, so a cache entry written by ragworker holds the values
 * rag-corp would have written, and one written by rag-corp reads back unchanged.
 */
export interface Float64Embedder {
  embedFloat64(texts: readonly string[]): Promise<Float64Array[]>;
}

export function hasFloat64Path<T extends object>(embedder: T): embedder is T & Float64Embedder {
  return typeof (embedder as Partial<Float64Embedder>).embedFloat64 === "function";
}
