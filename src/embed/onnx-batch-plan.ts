/**
 * How the `onnx` provider groups texts into `session.run` calls: by token length.
 *
 * A batch is padded to its longest input, so a batch of one long text and 31 short ones costs
 * as much as 32 long ones. Sorting by length first puts texts of about the same length together,
 * and each batch is then padded only to its own longest. The same plan is used by the provider
 * (src/embed/onnx-embedder.ts) and by `npm run bench:onnx`'s direct contender, so both run the
 * very same batches.
 */

export interface BatchLimits {
  /** Most texts in one batch (EMBEDDING_BATCH_SIZE). */
  readonly maxCount: number;
  /**
   * Most padded tokens in one batch: texts × the batch's longest. Bounds the memory of one run
   * (attention grows with texts × length²) and so lets short texts go in larger batches than long
   * ones would. A single text longer than this still gets a batch of its own.
   */
  readonly maxTokens: number;
}

/**
 * Positions of `lengths` in batches: longest first, each batch filled with the next-longest
 * texts while it stays within both limits. Every position appears exactly once; ties keep their
 * original order (the sort is stable), so a plan is deterministic.
 */
export function planBatches(lengths: readonly number[], limits: BatchLimits): number[][] {
  if (!Number.isInteger(limits.maxCount) || limits.maxCount < 1) {
    throw new RangeError(`maxCount must be a positive integer, got ${limits.maxCount}`);
  }
  if (!Number.isInteger(limits.maxTokens) || limits.maxTokens < 1) {
    throw new RangeError(`maxTokens must be a positive integer, got ${limits.maxTokens}`);
  }
  const order = lengths.map((_, position) => position);
  order.sort((left, right) => (lengths[right] ?? 0) - (lengths[left] ?? 0));
  const batches: number[][] = [];
  let current: number[] = [];
  // Longest first: a batch's first text is its longest, which fixes its padded width.
  let width = 0;
  for (const position of order) {
    if (
      current.length > 0 &&
      (current.length >= limits.maxCount || (current.length + 1) * width > limits.maxTokens)
    ) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) width = lengths[position] ?? 0;
    current.push(position);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Document order in consecutive batches of `maxCount`: the unsorted path, for comparison. */
export function consecutiveBatches(count: number, maxCount: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < count; start += maxCount) {
    batches.push(Array.from({ length: Math.min(maxCount, count - start) }, (_, index) => start + index));
  }
  return batches;
}
