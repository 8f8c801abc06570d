/**
 * How fast /metrics and /readyz answer while every thread is busy on CPU-heavy documents, against
 * the same worker idle, in one run. Prints p50/p99 per endpoint and state; not a test.
 *
 *   npm run bench:ops [-- --seconds 10 --threads 2]
 */
import { parseArgs } from "node:util";
import { createTestEnvironment } from "../test/support/test-environment.js";
import { freePort } from "../test/support/private-redis.js";
import { startWorkerProcess } from "../test/support/worker-process.js";
import { paragraphsOfText } from "../test/support/document-fixtures.js";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "10" }, threads: { type: "string", default: "2" } },
});
const seconds = Number(values.seconds);
const threads = Number(values.threads);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function sample(url: string, durationMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const started = process.hrtime.bigint();
    const response = await fetch(url);
    await response.arrayBuffer();
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return latencies.sort((a, b) => a - b);
}

async function waitReady(url: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const ok = await fetch(url).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready within 30 s`);
}

const env = await createTestEnvironment("bench-ops", { embeddingDim: 384 });
const port = await freePort();
const worker = startWorkerProcess(
  env.env({
    WORKER_THREADS: String(threads),
    WORKER_HTTP_PORT: String(port),
    LOG_LEVEL: "warn",
    CHUNK_TOKENS: "2000",
    CHUNK_OVERLAP_TOKENS: "200",
    MAX_CHUNKS: "100000",
  }),
);
const base = `http://127.0.0.1:${port}`;
const rows: string[][] = [];
try {
  await waitReady(`${base}/readyz`);
  for (const endpoint of ["/metrics", "/readyz"]) {
    const idle = await sample(`${base}${endpoint}`, (seconds * 1000) / 2);
    rows.push([
      endpoint,
      "idle",
      String(idle.length),
      percentile(idle, 50).toFixed(2),
      percentile(idle, 99).toFixed(2),
    ]);
  }
  // Enough 4 MB documents to keep every thread busy for the whole measurement.
  const documents = threads * Math.ceil(seconds / 1.5) + threads;
  for (let i = 0; i < documents; i += 1) {
    const { documentId, workspaceId } = await env.insertDocument({
      bytes: paragraphsOfText(i, 4_000_000),
      fileName: `h${i}.txt`,
    });
    await env.enqueue({ documentId, workspaceId });
  }
  await waitBusy(`${base}/metrics`, threads);
  for (const endpoint of ["/metrics", "/readyz"]) {
    const busy = await sample(`${base}${endpoint}`, (seconds * 1000) / 2);
    rows.push([
      endpoint,
      `${threads} threads busy`,
      String(busy.length),
      percentile(busy, 50).toFixed(2),
      percentile(busy, 99).toFixed(2),
    ]);
  }
  const lag = await fetch(`${base}/metrics`).then((response) => response.text());
  const p99Lag = /^nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(lag)?.[1];
  console.log("| endpoint | state | requests | p50 ms | p99 ms |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(
    `supervisor event-loop lag p99 (prom-client, whole run): ${(Number(p99Lag) * 1000).toFixed(2)} ms`,
  );
} finally {
  await worker.stop("SIGTERM");
  await env.close();
}

/** Waits until the pool reports every thread busy, so the loaded sample is really loaded. */
async function waitBusy(url: string, expected: number): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const text = await (await fetch(url)).text();
    if (Number(/^rag_worker_pool_busy_threads (\S+)/m.exec(text)?.[1]) >= expected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("threads never all busy");
}
