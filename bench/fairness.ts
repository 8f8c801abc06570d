/**
 * Tenant fairness, measured with the real worker (dist/cli/main.js), Redis and PostgreSQL:
 *
 * 1. Time to start: workspace A has FLOOD documents waiting and the worker is serving them; B
 *    enqueues one. How long until B's job is active, and how many of A's jobs started first,
 *    with fairness on, with plain FIFO (QUEUE_FAIRNESS=off), and with jobs added plainly (as
 *    rag-corp's Python API does) to a worker with fairness on, which makes them fair.
 * 2. Cost: the same workload (JOBS tiny documents over WORKSPACES workspaces) enqueued and
 *    processed with fairness on and off, alternating, REPEATS times each: the producer's enqueue
 *    rate (one EVALSHA more per job) and the end-to-end rate (enqueue start to last READY).
 *
 * Documents are a short text each, embedded by the hash provider: the queue's share of the work
 * is as large as it gets, so the cost of fairness is not hidden behind slow documents.
 *
 *   npm run bench:fairness -- [--flood 10000 --jobs 4000 --workspaces 10 --repeats 3 --threads 2]
 *
 * Writes bench/results/fairness.json and prints a Markdown table.
 */
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { QueueEvents } from "bullmq";
import { FAIRNESS_DEFAULTS } from "../src/config/fairness-settings.js";
import { createRedis } from "../src/config/redis-connection.js";
import { DocumentProducer } from "../src/producer/enqueue-document.js";
import { redisUrl } from "../test/support/services.js";
import { createTestEnvironment, type TestEnvironment } from "../test/support/test-environment.js";
import { startWorkerProcess, waitUntilServing } from "../test/support/worker-process.js";
import { median } from "./measure/statistics.js";
import { markdownTable } from "./report/markdown-table.js";

const { values } = parseArgs({
  options: {
    flood: { type: "string", default: "10000" },
    jobs: { type: "string", default: "4000" },
    workspaces: { type: "string", default: "10" },
    repeats: { type: "string", default: "3" },
    threads: { type: "string", default: "2" },
    out: { type: "string", default: "bench/results/fairness.json" },
  },
});
const FLOOD = Number(values.flood);
const JOBS = Number(values.jobs);
const WORKSPACES = Number(values.workspaces);
const REPEATS = Number(values.repeats);
const THREADS = Number(values.threads);
const ENQUEUE_CONCURRENCY = 100;

const started = Date.now();
const log = (message: string) =>
  console.log(`[fairness ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

/** `count` PENDING documents of `workspaceId`, all reading one small stored file. */
async function insertDocuments(
  world: TestEnvironment,
  workspaceId: string,
  count: number,
): Promise<string[]> {
  const { storageKey } = await world.insertDocument({
    bytes: "A short note: queues, fairness and workspaces.\n".repeat(4),
    fileName: "note.txt",
    workspaceId,
  });
  const rows = await world.db.query<{ id: string }>(
    `INSERT INTO documents (id, workspace_id, title, file_name, mime_type, storage_key, status)
     SELECT gen_random_uuid(), $1, 'note.txt', 'note.txt', 'text/plain', $2, 'PENDING'
       FROM generate_series(1, $3) RETURNING id`,
    [workspaceId, storageKey, count],
  );
  return rows.rows.map((row) => row.id);
}

async function enqueueAll(
  producer: DocumentProducer,
  jobs: ReadonlyArray<{ documentId: string; workspaceId: string }>,
): Promise<number> {
  const begin = performance.now();
  for (let done = 0; done < jobs.length; done += ENQUEUE_CONCURRENCY) {
    await Promise.all(jobs.slice(done, done + ENQUEUE_CONCURRENCY).map((job) => producer.enqueue(job)));
  }
  return (performance.now() - begin) / 1000;
}

async function readyCount(world: TestEnvironment, ids: readonly string[]): Promise<number> {
  const result = await world.db.query<{ n: string }>(
    "SELECT count(*) AS n FROM documents WHERE id = ANY($1::uuid[]) AND status = 'READY'",
    [ids],
  );
  return Number(result.rows[0]?.n ?? 0);
}

async function untilReady(
  world: TestEnvironment,
  ids: readonly string[],
  timeoutMs = 1_800_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readyCount(world, ids)) < ids.length) {
    if (Date.now() > deadline) throw new Error(`${ids.length} documents not READY within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const waitingCount = async (producer: DocumentProducer) =>
  (await producer.queue.getPrioritizedCount()) + (await producer.queue.getWaitingCount());

interface StartResult {
  readonly mode: string;
  readonly flood: number;
  readonly aWaitingAtEnqueue: number;
  readonly aStartedFirst: number;
  readonly secondsToStart: number;
}

interface CostResult {
  readonly mode: string;
  readonly enqueuePerSecond: number[];
  readonly endToEndPerSecond: number[];
}

const world = await createTestEnvironment("bench-fairness", { embeddingDim: 16 });
const workerEnv = world.env({
  // info: waitUntilServing reads the start-up lines (two lines a job more, in both modes alike).
  LOG_LEVEL: "info",
  EMBEDDING_PROVIDER: "hash",
  WORKER_THREADS: String(THREADS),
});
const fair = new DocumentProducer(redisUrl(), world.queueName, { fairness: FAIRNESS_DEFAULTS });
const fifo = new DocumentProducer(redisUrl(), world.queueName, {
  fairness: { ...FAIRNESS_DEFAULTS, enabled: false },
});
const eventsConnection = createRedis(redisUrl(), { maxRetriesPerRequest: null });
const events = new QueueEvents(world.queueName, { connection: eventsConnection });
await events.waitUntilReady();
/**
 * Runs `measure` with a worker of its own, QUEUE_FAIRNESS as the mode wants it: on for fair
 * producers and for plain adds the worker makes fair, off for plain FIFO. Started and serving
 * before the measure begins, stopped after.
 */
const withWorker = async <T>(fairness: "on" | "off", measure: () => Promise<T>): Promise<T> => {
  const worker = startWorkerProcess({ ...workerEnv, QUEUE_FAIRNESS: fairness });
  try {
    await waitUntilServing(worker, THREADS);
    return await measure();
  } finally {
    await worker.stop();
  }
};
type Mode = "fair" | "fifo" | "plain adds";
const producerOf = (mode: Mode) => (mode === "fair" ? fair : fifo);
const workerFairness = (mode: Mode) => (mode === "fifo" ? "off" : "on");
const loadBefore = loadavg();
try {
  log(`${THREADS} threads; flood ${FLOOD}, cost workload ${JOBS} jobs × ${REPEATS}`);

  const timeToStart = async (mode: Mode): Promise<StartResult> => {
    const producer = producerOf(mode);
    const [a, b] = [await world.createWorkspace(`A-${mode}`), await world.createWorkspace(`B-${mode}`)];
    const aIds = await insertDocuments(world, a, FLOOD);
    const [bId] = await insertDocuments(world, b, 1);
    if (bId === undefined) throw new Error("no document for B");
    await enqueueAll(
      producer,
      aIds.map((documentId) => ({ documentId, workspaceId: a })),
    );
    // The worker has been at A's backlog a while: the head has moved on from the first job.
    while (FLOOD - (await waitingCount(producer)) < Math.min(200, FLOOD / 10)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const jobId = randomUUID();
    // A job added plainly to a fair worker is active twice: once when the worker gives it its
    // fair priority and puts it back (fair-intake.ts), then when it really starts.
    let picks = mode === "plain adds" ? 2 : 1;
    const active = new Promise<number>((resolve) => {
      const onActive = ({ jobId: id }: { jobId: string }) => {
        if (id !== jobId) return;
        picks -= 1;
        if (picks > 0) return;
        events.off("active", onActive);
        resolve(performance.now());
      };
      events.on("active", onActive);
    });
    const aWaitingAtEnqueue = await waitingCount(producer);
    const enqueuedAt = performance.now();
    await producer.enqueue({ documentId: bId, workspaceId: b }, { jobId });
    const activeAt = await active;
    const aWaitingAtStart = await waitingCount(producer);
    const result = {
      mode,
      flood: FLOOD,
      aWaitingAtEnqueue,
      aStartedFirst: aWaitingAtEnqueue - aWaitingAtStart,
      secondsToStart: (activeAt - enqueuedAt) / 1000,
    };
    log(`time to start (${mode}): ${JSON.stringify(result)}`);
    await untilReady(world, [...aIds, bId]);
    return result;
  };

  const cost = async (mode: "fair" | "fifo", result: CostResult) => {
    const producer = producerOf(mode);
    const jobs: Array<{ documentId: string; workspaceId: string }> = [];
    for (let w = 0; w < WORKSPACES; w += 1) {
      const workspaceId = await world.createWorkspace(`cost-${mode}-${w}`);
      const ids = await insertDocuments(world, workspaceId, Math.ceil(JOBS / WORKSPACES));
      jobs.push(...ids.map((documentId) => ({ documentId, workspaceId })));
    }
    // Workspaces interleaved unevenly: one sends in long runs, the others in short ones.
    jobs.sort((x, y) => (x.documentId < y.documentId ? -1 : 1));
    const begin = performance.now();
    const enqueueSeconds = await enqueueAll(producer, jobs);
    await untilReady(
      world,
      jobs.map((job) => job.documentId),
    );
    const seconds = (performance.now() - begin) / 1000;
    result.enqueuePerSecond.push(jobs.length / enqueueSeconds);
    result.endToEndPerSecond.push(jobs.length / seconds);
    log(
      `cost (${mode}): enqueue ${(jobs.length / enqueueSeconds).toFixed(0)} jobs/s, end to end ${(jobs.length / seconds).toFixed(0)} jobs/s`,
    );
  };

  const starts: StartResult[] = [];
  for (const mode of ["fair", "fifo", "plain adds"] as const) {
    starts.push(await withWorker(workerFairness(mode), () => timeToStart(mode)));
  }
  const costs: Record<"fair" | "fifo", CostResult> = {
    fair: { mode: "fair", enqueuePerSecond: [], endToEndPerSecond: [] },
    fifo: { mode: "fifo", enqueuePerSecond: [], endToEndPerSecond: [] },
  };
  for (let r = 0; r < REPEATS; r += 1) {
    // Alternating order, so drift in the machine's load falls on both modes alike.
    for (const mode of r % 2 === 0 ? (["fair", "fifo"] as const) : (["fifo", "fair"] as const)) {
      await withWorker(workerFairness(mode), () => cost(mode, costs[mode]));
    }
  }
  const fairRate = median(costs.fair.endToEndPerSecond);
  const fifoRate = median(costs.fifo.endToEndPerSecond);
  const fairEnqueue = median(costs.fair.enqueuePerSecond);
  const fifoEnqueue = median(costs.fifo.enqueuePerSecond);
  // Each repeat ran both modes back to back: the median of those pairs' ratios is the cost, so a
  // busy minute of the machine falls on one pair rather than on one mode.
  const pairedCost = (of: "enqueuePerSecond" | "endToEndPerSecond") =>
    `${((1 - median(costs.fair[of].map((rate, r) => rate / (costs.fifo[of][r] ?? Number.NaN)))) * 100).toFixed(1)} %`;
  const [fairStart, fifoStart, plainStart] = starts;
  const table = markdownTable(
    ["measure", "fairness on", "plain FIFO", "cost of fairness (median of paired runs)"],
    [
      [
        `B's document: seconds to start (A: ${FLOOD} waiting)`,
        fairStart?.secondsToStart.toFixed(3) ?? "",
        fifoStart?.secondsToStart.toFixed(3) ?? "",
        "",
      ],
      [
        "A's jobs started before B's",
        String(fairStart?.aStartedFirst ?? ""),
        String(fifoStart?.aStartedFirst ?? ""),
        "",
      ],
      [
        `B's document, jobs added plainly (rag-corp's Python API) to a fair worker: seconds to start`,
        plainStart?.secondsToStart.toFixed(3) ?? "",
        "",
        "",
      ],
      ["A's jobs started before B's, jobs added plainly", String(plainStart?.aStartedFirst ?? ""), "", ""],
      [
        `enqueue, jobs/s (median of ${REPEATS}, ${ENQUEUE_CONCURRENCY} at a time)`,
        fairEnqueue.toFixed(0),
        fifoEnqueue.toFixed(0),
        pairedCost("enqueuePerSecond"),
      ],
      [
        `end to end, jobs/s (${JOBS} tiny documents, ${WORKSPACES} workspaces, ${THREADS} threads)`,
        fairRate.toFixed(1),
        fifoRate.toFixed(1),
        pairedCost("endToEndPerSecond"),
      ],
    ],
  );
  console.log(`\n${table}\n`);
  const report = {
    at: new Date().toISOString(),
    settings: { flood: FLOOD, jobs: JOBS, workspaces: WORKSPACES, repeats: REPEATS, threads: THREADS },
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
    timeToStart: starts,
    cost: costs,
    table,
  };
  await mkdir(dirname(join(values.out)), { recursive: true });
  await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${values.out}`);
} finally {
  await events.close();
  eventsConnection.disconnect();
  await fair.close();
  await fifo.close();
  await world.close();
}
