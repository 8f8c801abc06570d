/**
 * The machine's own ceiling for ragworker's CPU work: the same extract + chunk + hash + embed
 * (bench/probe/ceiling-thread.ts) in 1 and in N bare `worker_threads`, no queue, no database.
 * ceiling = N-thread documents/s ÷ 1-thread documents/s: what N threads can gain here at all,
 * whatever the software around them (memory bandwidth, shared caches, turbo, a VM's neighbours).
 *
 * Rounds: a warm-up (passes over the corpus until pdf.js and mammoth run optimized, as the
 * contenders get), then the 1-thread and N-thread pools alternately, each round `passes` times
 * over the corpus; medians of documents/s.
 */
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { median } from "./statistics.js";

export interface CeilingOptions {
  /** The transpiled ceiling-thread.js (bench/compile/bench-modules.ts). */
  readonly threadModulePath: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly fileName: string }>;
  /** The contenders' environment (chunk sizes, limits, EMBEDDING_DIM). */
  readonly env: Record<string, string>;
  readonly threads: number;
  readonly rounds: number;
  readonly warmupPasses: number;
  readonly passes: number;
}

export interface CeilingResult {
  readonly threads: number;
  readonly documentsPerRound: number;
  readonly singleDocumentsPerSecond: number;
  readonly multiDocumentsPerSecond: number;
  /** multi ÷ single: the scaling N bare threads reach on this machine. */
  readonly ceiling: number;
  readonly singleRounds: readonly number[];
  readonly multiRounds: readonly number[];
}

interface ThreadPool {
  round(total: number): Promise<{ documents: number; seconds: number }>;
  close(): Promise<void>;
}

async function startPool(options: CeilingOptions, size: number): Promise<ThreadPool> {
  const counter = new SharedArrayBuffer(4);
  const threads = Array.from(
    { length: size },
    () =>
      new Worker(options.threadModulePath, {
        workerData: { files: options.files, env: options.env, counter },
      }),
  );
  await Promise.all(
    threads.map(
      (thread) =>
        new Promise<void>((resolve, reject) => {
          thread.once("error", reject);
          thread.once("message", () => resolve());
        }),
    ),
  );
  return {
    async round(total) {
      Atomics.store(new Int32Array(counter), 0, 0);
      const started = process.hrtime.bigint();
      const replies = threads.map(
        (thread) =>
          new Promise<{ documents: number }>((resolve, reject) => {
            thread.once("error", reject);
            thread.once("message", (message: { documents: number }) => resolve(message));
          }),
      );
      for (const thread of threads) thread.postMessage({ type: "round", total });
      const done = await Promise.all(replies);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return { documents: done.reduce((sum, reply) => sum + reply.documents, 0), seconds };
    },
    async close() {
      await Promise.all(
        threads.map(async (thread) => {
          const exited = once(thread, "exit");
          await thread.terminate();
          await exited.catch(() => undefined);
        }),
      );
    },
  };
}

export async function measureCpuCeiling(options: CeilingOptions): Promise<CeilingResult> {
  const single = await startPool(options, 1);
  const multi = await startPool(options, options.threads);
  try {
    const documents = options.files.length;
    for (const pool of [single, multi]) await pool.round(documents * options.warmupPasses);
    const singleRounds: number[] = [];
    const multiRounds: number[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      // Alternated, so a slow phase of the machine weighs on both alike.
      for (const [pool, rates] of round % 2 === 0
        ? ([
            [single, singleRounds],
            [multi, multiRounds],
          ] as const)
        : ([
            [multi, multiRounds],
            [single, singleRounds],
          ] as const)) {
        const run = await pool.round(documents * options.passes);
        rates.push(run.documents / run.seconds);
      }
    }
    const singleRate = median(singleRounds);
    const multiRate = median(multiRounds);
    return {
      threads: options.threads,
      documentsPerRound: documents * options.passes,
      singleDocumentsPerSecond: singleRate,
      multiDocumentsPerSecond: multiRate,
      ceiling: multiRate / singleRate,
      singleRounds,
      multiRounds,
    };
  } finally {
    await single.close();
    await multi.close();
  }
}

/**
 * ragworker's scaling as a share of the machine's: (ragworker ×N ÷ ragworker ×1) ÷ ceiling. 1.0
 * means ragworker's N threads gain exactly what N bare threads doing the same CPU work gain here;
 * the database writes and queue round trips ragworker adds per document are in both of its runs,
 * so they cancel out unless they scale worse than the CPU work.
 */
export function shareOfCeiling(ragworkerScaling: number, ceiling: CeilingResult): number {
  return ragworkerScaling / ceiling.ceiling;
}
