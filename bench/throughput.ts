/**
 * `npm run bench`: ragworker against what a user would run instead, in one run on one machine.
 *
 * Contenders (same corpus, same compiled pipeline, same Redis and PostgreSQL):
 *   ragworker ×1 and ×N threads (the real `node dist/cli/main.js start`), a plain BullMQ Worker
 *   running the pipeline on its main thread (in-process), and BullMQ's sandboxed processor with
 *   worker threads, each at concurrency 1 and N. Each contender is warmed up, then measured with
 *   its repetitions back to back (contenders in a seeded order); medians are reported.
 * Then: jobs three times longer than the lock (stalls), no-op jobs against a bare BullMQ worker
 * (queue overhead), and the chunk persistence path against the server's own floor, on both
 * embedding column kinds.
 * Writes bench/results/latest.json and bench/results/throughput.svg and prints the tables.
 *
 *   npm run bench [-- --quick] [-- --repetitions 5 --seed 7 --profile DIR]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SeededRandom } from "../test/support/seeded-random.js";
import { createTestEnvironment } from "../test/support/test-environment.js";
import {
  CPU_BOUND_FORMATS,
  MIXED_FORMATS,
  generateCorpus,
  generateLongText,
} from "./corpus/generate-corpus.js";
import { compileBenchModules } from "./compile/bench-modules.js";
import { startContender, type Contender, type ContenderKind } from "./contenders/contender-process.js";
import { describePersistence, measurePersistenceByColumnKind } from "./measure/chunk-persistence.js";
import { measureQueueOverhead } from "./measure/queue-overhead.js";
import { measureCpuCeiling } from "./measure/cpu-ceiling.js";
import { describeRedisCost } from "./measure/redis-cost.js";
import { measureRedisCost } from "./measure/redis-cost-run.js";
import { dropWorkspace, insertDocuments, storeCorpus, type StoredFile } from "./measure/corpus-store.js";
import { runJobs, type JobsRun } from "./measure/run-jobs.js";
import { markdownTable } from "./report/markdown-table.js";
import {
  evaluateTargets,
  summarizeConfiguration,
  throughputRatios,
  type ConfigurationRuns,
  type CorpusSummaries,
  type StallScenario,
} from "./report/summarize.js";
import { throughputChart } from "./report/throughput-chart.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    repetitions: { type: "string" },
    seed: { type: "string", default: "20261129" },
    out: { type: "string", default: "bench/results" },
    // ragworker processes write CPU profiles (supervisor and threads) here; see summarize-profile.ts.
    profile: { type: "string" },
  },
});
const quick = values.quick;
const seed = Number(values.seed);
const N = availableParallelism();
const DIMENSION = 768;
// Shorter in --quick, so the jobs three times as long fit its time budget.
const LOCK_MS = quick ? 1_000 : 2_000;
const plan = {
  documents: quick ? 12 : 40,
  warmupDocuments: quick ? 4 : 6,
  repetitions: Number(values.repetitions ?? (quick ? 2 : 4)),
  warmupPasses: { min: 2, max: quick ? 2 : 4 },
  // Extra ragworker runs per corpus with /metrics and /readyz asked every 200 ms, apart from the
  // throughput runs, so every contender's documents/s is measured alike (nobody else is scraped).
  opsRuns: quick ? 1 : 2,
  noopJobs: quick ? 400 : 2_000,
  noopRepetitions: quick ? 2 : 4,
  persistenceRows: quick ? 500 : 2_000,
  persistenceRepetitions: quick ? 2 : 4,
  // The machine's ceiling: rounds of 1 and N bare threads over the CPU-bound corpus, alternated;
  // each round at least 40 documents (passes over the corpus): a round of 12 lasts under a
  // second, so one busy moment of a shared machine decides it (a --quick run measured 0.74×).
  ceilingRounds: quick ? 2 : 3,
  ceilingPasses: Math.ceil(40 / (quick ? 12 : 40)),
  longJobSeconds: (LOCK_MS * 3) / 1000,
};
const started = Date.now();

function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** One corpus as stored for the runs. */
interface CorpusRun {
  readonly name: string;
  readonly title: string;
  readonly files: readonly StoredFile[];
  readonly documents: number;
  readonly bytes: number;
  readonly formats: Readonly<Record<string, number>>;
}

const log = (message: string) =>
  console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
const MB = 1024 * 1024;

log(`mode ${quick ? "quick" : "full"}; N = ${N} cores; plan ${JSON.stringify(plan)}`);
const loadBefore = loadavg();
const compiled = await compileBenchModules();
const world = await createTestEnvironment("bench", { embeddingDim: DIMENSION });
const profileArgs = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${resolve(values.profile)}`] : [];
const baseEnv = world.env({
  LOG_LEVEL: "warn",
  EMBEDDING_PROVIDER: "hash",
  JOB_LOCK_MS: String(LOCK_MS),
  MAX_CHUNKS: "1000000",
  // The stall check's documents are about 6 MB of text, over the 5M-character default limit.
  MAX_EXTRACTED_CHARS: "100000000",
  // The bench adds its jobs plainly, for every contender alike; with fairness on ragworker would
  // first give each one its fair priority and put it back (src/fairness/fair-intake.ts), a cost
  // of fairness that `npm run bench:fairness` measures on its own.
  QUEUE_FAIRNESS: "off",
});

const contenders: Contender[] = [];
try {
  // The CPU-bound corpus is where the targets on documents/s are read; the mixed one is what an
  // ordinary upload stream looks like, and shows what the database costs (README, Performance).
  const corpora: CorpusRun[] = [];
  for (const [name, title, formats] of [
    ["cpu-bound", "CPU-bound: PDF and DOCX", CPU_BOUND_FORMATS],
    ["mixed", "mixed: text, Markdown, PDF, DOCX", MIXED_FORMATS],
  ] as const) {
    const documents = await generateCorpus(seed, plan.documents, 1, formats);
    const files = await storeCorpus(world.storageDir, name, documents);
    corpora.push({
      name,
      title,
      files,
      documents: documents.length,
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
      formats: Object.fromEntries(
        ["text", "markdown", "pdf", "docx"].map((f) => [f, documents.filter((d) => d.format === f).length]),
      ),
    });
  }
  const warmup = await generateCorpus(seed + 1, plan.warmupDocuments, 0.3);
  const warmupFiles = await storeCorpus(world.storageDir, "warmup", warmup);
  for (const corpus of corpora) {
    log(
      `corpus ${corpus.name}: ${corpus.documents} documents, ${(corpus.bytes / MB).toFixed(1)} MB ${JSON.stringify(corpus.formats)}`,
    );
  }

  const configurations: Array<[ContenderKind, number]> = [
    ["ragworker", 1],
    ["ragworker", N],
    ["in-process", 1],
    ["in-process", N],
    ["sandboxed", 1],
    ["sandboxed", N],
  ];
  contenders.push(
    ...(await Promise.all(
      configurations.map(([kind, threads]) => startContender(kind, threads, baseEnv, compiled, profileArgs)),
    )),
  );
  log(`started ${contenders.map((c) => c.label).join(", ")}`);

  const runDocuments = async (
    contender: Contender,
    files: readonly StoredFile[],
    options: { sampleOps?: boolean; timeoutMs?: number } = {},
  ) => {
    const jobs = await insertDocuments(world.db, files);
    try {
      return await runJobs(contender, jobs, options);
    } finally {
      await dropWorkspace(world.db, jobs[0]?.workspaceId ?? "");
    }
  };

  // One contender at a time, in a seeded order: warm-up, then its repetitions back to back, then
  // (ragworker) its ops endpoint runs. Interleaving contenders run by run was tried first: each
  // then idled 30–60 s between its runs, and V8 dropped optimized code meanwhile (measured here:
  // after 40 s idle, every contender ran 25–50% slower and used more than one core for a
  // single-threaded pipeline, recompiling), so the figures measured restarts from idle, not the
  // steady state a worker with a backlog is in.
  //
  // Warm-up: the small mixed batch touches every format, then passes over the CPU-bound corpus
  // until the rate settles (two passes within 10%; 2 to 4 passes, 2 in --quick), so pdf.js and
  // mammoth run optimized before anything is timed. Measured here: the first pass cost 3–4 times
  // the CPU per document of a warm one, and threads kept getting faster for two or three passes.
  const cpuBoundCorpus = corpora.find((corpus) => corpus.name === "cpu-bound");
  const results = new Map<string, JobsRun[]>();
  const opsRuns = new Map<string, JobsRun[]>();
  const key = (corpus: CorpusRun, contender: Contender) => `${corpus.name} ${contender.label}`;
  const record = (into: Map<string, JobsRun[]>, name: string, run: JobsRun) =>
    into.set(name, [...(into.get(name) ?? []), run]);
  for (const contender of shuffled(contenders, new SeededRandom(seed))) {
    await runDocuments(contender, warmupFiles);
    const rates: number[] = [];
    const settled = () => {
      const [previous, last] = rates.slice(-2);
      return previous !== undefined && last !== undefined && Math.abs(last - previous) <= 0.1 * previous;
    };
    while (
      cpuBoundCorpus &&
      rates.length < plan.warmupPasses.max &&
      !(rates.length >= plan.warmupPasses.min && settled())
    ) {
      const run = await runDocuments(contender, cpuBoundCorpus.files);
      rates.push(run.completed / run.seconds);
    }
    log(`warm-up ${contender.label}: ${rates.map((rate) => rate.toFixed(1)).join(", ")} docs/s`);
    for (const corpus of corpora) {
      for (let repetition = 0; repetition < plan.repetitions; repetition += 1) {
        const run = await runDocuments(contender, corpus.files);
        record(results, key(corpus, contender), run);
        if (run.failures.length > 0)
          log(`  ${contender.label}: ${run.failures.length} failed: ${run.failures[0]}`);
        log(
          `rep ${repetition + 1}/${plan.repetitions} ${corpus.name.padEnd(9)} ${contender.label.padEnd(14)} ` +
            `${(run.completed / run.seconds).toFixed(2)} docs/s, ${run.seconds.toFixed(2)} s, ` +
            `lag p99 ${run.probe.eventLoopDelayMs.p99.toFixed(1)} ms, stalled ${run.stalled}`,
        );
      }
      if (contender.kind !== "ragworker") continue;
      for (let run = 0; run < plan.opsRuns; run += 1) {
        record(
          opsRuns,
          key(corpus, contender),
          await runDocuments(contender, corpus.files, { sampleOps: true }),
        );
      }
    }
  }
  log("all contenders measured");

  // The machine's own ceiling, while the contenders idle: the pipeline's CPU work in 1 and N bare
  // worker_threads (bench/measure/cpu-ceiling.ts; alone with ragworker: bench/scaling.ts).
  const ceiling = await measureCpuCeiling({
    threadModulePath: compiled.ceilingThreadPath,
    files: (cpuBoundCorpus?.files ?? []).map((file) => ({
      path: join(world.storageDir, file.storageKey),
      fileName: file.fileName,
    })),
    env: baseEnv,
    threads: N,
    rounds: plan.ceilingRounds,
    warmupPasses: 2,
    passes: plan.ceilingPasses,
  });
  log(
    `ceiling: 1 bare thread ${ceiling.singleDocumentsPerSecond.toFixed(2)} docs/s, ${N} bare threads ` +
      `${ceiling.multiDocumentsPerSecond.toFixed(2)} docs/s: ${ceiling.ceiling.toFixed(2)}×`,
  );
  const configurationRuns = (corpus: CorpusRun): ConfigurationRuns[] =>
    contenders.map((c) => ({
      kind: c.kind,
      threads: c.threads,
      label: c.label,
      bytesPerRun: corpus.bytes,
      runs: results.get(key(corpus, c)) ?? [],
      opsRuns: opsRuns.get(key(corpus, c)) ?? [],
    }));
  const corpusSummaries: CorpusSummaries[] = corpora.map((corpus) => ({
    name: corpus.name,
    title: corpus.title,
    documents: corpus.documents,
    bytes: corpus.bytes,
    formats: corpus.formats,
    summaries: configurationRuns(corpus).map(summarizeConfiguration),
  }));
  const [cpuBound, mixed] = corpusSummaries;
  if (!cpuBound || !mixed) throw new Error("both corpora must have run");

  // Jobs three times longer than the lock: size a plain-text document by timing one on ragworker ×1.
  const find = (kind: ContenderKind, threads: number): Contender => {
    const found = contenders.find((c) => c.kind === kind && c.threads === threads);
    if (!found) throw new Error(`no contender ${kind} ×${threads}`);
    return found;
  };
  const calibrationBytes = 1_000_000;
  const [calibrationFile] = await storeCorpus(world.storageDir, "calibration", [
    { fileName: "calibration.txt", format: "text", bytes: generateLongText(seed, calibrationBytes) },
  ]);
  const calibration = await runDocuments(find("ragworker", 1), calibrationFile ? [calibrationFile] : []);
  const longBytes = Math.round(
    Math.min(60_000_000, Math.max(500_000, (calibrationBytes / calibration.seconds) * plan.longJobSeconds)),
  );
  log(
    `calibration: 1 MB of text in ${calibration.seconds.toFixed(2)} s; long documents of ${(longBytes / MB).toFixed(1)} MB`,
  );
  const longFiles = await storeCorpus(
    world.storageDir,
    "long",
    Array.from({ length: N }, (_, i) => ({
      fileName: `long-${i}.txt`,
      format: "text" as const,
      bytes: generateLongText(seed + 100 + i, longBytes),
    })),
  );
  const stalls: StallScenario[] = [];
  const longJobContenders = quick
    ? [find("ragworker", N), find("in-process", N)]
    : [find("ragworker", N), find("sandboxed", N), find("in-process", N)];
  for (const contender of longJobContenders) {
    const run = await runDocuments(contender, longFiles, { timeoutMs: 180_000 });
    stalls.push({
      label: contender.label,
      kind: contender.kind,
      documents: longFiles.length,
      megabytesPerDocument: longBytes / MB,
      lockMs: LOCK_MS,
      seconds: run.seconds,
      stalled: run.stalled,
      failed: run.failures.length,
      failures: run.failures.slice(0, 3),
    });
    log(
      `long jobs ${contender.label}: ${run.seconds.toFixed(1)} s, stalled ${run.stalled}, failed ${run.failures.length}`,
    );
  }

  // Queue overhead (bench/measure/queue-overhead.ts; alone: bench/queue-overhead.ts).
  const bare = await startContender("bare-noop", N, baseEnv, compiled);
  contenders.push(bare);
  const noop = await measureQueueOverhead(find("ragworker", N), bare, world.db, {
    jobsPerRun: plan.noopJobs,
    repetitions: plan.noopRepetitions,
  });
  log(
    `no-op: ragworker ${noop.ragworkerJobsPerSecond.toFixed(0)} jobs/s, bare BullMQ ${noop.bareJobsPerSecond.toFixed(0)} jobs/s`,
  );

  // Redis cost per job: ragworker ×N on a Redis of its own, one CPU-bound batch after a warm-up one.
  const redisCost = await measureRedisCost({
    threads: N,
    baseEnv,
    compiled,
    batch: async () => {
      const jobs = await insertDocuments(world.db, cpuBoundCorpus?.files ?? []);
      return { jobs, done: () => dropWorkspace(world.db, jobs[0]?.workspaceId ?? "") };
    },
  });
  log(`Redis cost per job (ragworker ×${N}, ${redisCost.jobs} jobs):\n${describeRedisCost(redisCost)}`);

  // Both kinds of embedding column, each in a fresh database of its own.
  const persistence = await measurePersistenceByColumnKind({
    rows: plan.persistenceRows,
    dimension: DIMENSION,
    repetitions: plan.persistenceRepetitions,
  });
  for (const result of persistence) log(describePersistence(result));

  const targets = evaluateTargets({
    cpuBound,
    corpora: corpusSummaries,
    threads: N,
    stalls,
    noop,
    persistence,
    ceiling,
  });
  const loadAfter = loadavg();
  const report = {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    seed,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      availableParallelism: N,
      node: process.version,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAfter,
    },
    plan,
    corpora: corpusSummaries.map((corpus) => ({
      ...corpus,
      ratios: throughputRatios(corpus.summaries, N),
    })),
    stalls,
    noop,
    persistence,
    ceiling,
    redisCost,
    targets,
    runs: corpora.flatMap((corpus) =>
      configurationRuns(corpus).map((c) => ({ corpus: corpus.name, label: c.label, runs: c.runs })),
    ),
    durationSeconds: (Date.now() - started) / 1000,
  };
  await mkdir(values.out, { recursive: true });
  await writeFile(`${values.out}/latest.json`, `${JSON.stringify(report, null, 2)}\n`);
  const colors: Record<string, string> = {
    ragworker: "#1f77b4",
    "in-process": "#d62728",
    sandboxed: "#2ca02c",
  };
  const names: Record<string, string> = {
    ragworker: "ragworker",
    "in-process": "in-process BullMQ",
    sandboxed: "BullMQ sandboxed",
  };
  await writeFile(
    `${values.out}/throughput.svg`,
    throughputChart(
      corpusSummaries.flatMap((corpus) =>
        ["ragworker", "sandboxed", "in-process"].map((kind) => ({
          name: `${names[kind] ?? kind}, ${corpus.name}`,
          color: colors[kind] ?? "#000",
          dashed: corpus !== cpuBound,
          points: corpus.summaries
            .filter((s) => s.kind === kind)
            .map((s) => ({ threads: s.threads, value: s.documentsPerSecond })),
        })),
      ),
      {
        title: "Documents per second against threads (median)",
        yLabel: "documents / s",
        subtitle: `${plan.documents} documents a corpus (solid: CPU-bound, dashed: mixed), hash embedder, ${plan.repetitions} repetitions, ${N} cores, ${report.date.slice(0, 10)}`,
      },
    ),
  );

  const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
  for (const corpus of corpusSummaries) {
    const rag1 = corpus.summaries.find((s) => s.kind === "ragworker" && s.threads === 1);
    console.log(
      `\n## Throughput, ${corpus.title} (${corpus.documents} documents, ${fixed(corpus.bytes / MB, 1)} MB; ${report.mode}, median of ${plan.repetitions})\n`,
    );
    console.log(
      markdownTable(
        [
          "contender",
          "docs/s",
          "chunks/s",
          "MB/s",
          "× ragworker×1",
          "loop delay p50/p99 ms",
          "cores used",
          "main heap MB",
          "thread heaps MB",
          "RSS MB",
          "stalled",
        ],
        corpus.summaries.map((s) => [
          s.label,
          fixed(s.documentsPerSecond, 2),
          fixed(s.chunksPerSecond, 0),
          fixed(s.megabytesPerSecond, 2),
          fixed(s.documentsPerSecond / (rag1?.documentsPerSecond ?? Number.NaN), 2),
          `${fixed(s.eventLoopDelayMs.p50, 1)} / ${fixed(s.eventLoopDelayMs.p99, 1)}`,
          fixed(s.coresUsed, 2),
          fixed(s.mainHeapPeakMb, 0),
          s.threadHeapPeakMb.map((mb) => fixed(mb, 0)).join(", ") || "–",
          fixed(s.rssPeakMb, 0),
          String(s.stalled),
        ]),
      ),
    );
  }
  console.log("\n## ragworker ×N against the others, documents/s\n");
  console.log(
    markdownTable(
      ["corpus", `ragworker ×${N} / ×1`, `/ in-process ×${N}`, `/ sandboxed ×${N}`],
      corpusSummaries.map((corpus) => {
        const ratios = throughputRatios(corpus.summaries, N);
        return [
          corpus.name,
          `${fixed(ratios.scaling, 2)}×`,
          `${fixed(ratios.vsInProcess, 2)}×`,
          `${fixed(ratios.vsSandboxed, 2)}×`,
        ];
      }),
    ),
  );
  console.log("\n## ragworker ops endpoints while loaded\n");
  console.log(
    markdownTable(
      [
        "corpus",
        "contender",
        "/metrics p50 ms",
        "/metrics p99 ms",
        "/readyz p50 ms",
        "/readyz p99 ms",
        "requests",
      ],
      corpusSummaries.flatMap((corpus) =>
        corpus.summaries
          .filter((s) => s.metricsMs && s.readyzMs)
          .map((s) => [
            corpus.name,
            s.label,
            fixed(s.metricsMs?.p50 ?? Number.NaN, 2),
            fixed(s.metricsMs?.p99 ?? Number.NaN, 2),
            fixed(s.readyzMs?.p50 ?? Number.NaN, 2),
            fixed(s.readyzMs?.p99 ?? Number.NaN, 2),
            String((s.metricsMs?.samples ?? 0) + (s.readyzMs?.samples ?? 0)),
          ]),
      ),
    ),
  );
  console.log(
    `\n## Jobs three times the lock (${LOCK_MS} ms lock, ${fixed(longBytes / MB, 1)} MB text each)\n`,
  );
  console.log(
    markdownTable(
      ["contender", "documents", "seconds", "stalled", "failed"],
      stalls.map((s) => [
        s.label,
        String(s.documents),
        fixed(s.seconds, 1),
        String(s.stalled),
        String(s.failed),
      ]),
    ),
  );
  console.log(
    `\n## The machine's ceiling\n\nThe pipeline's CPU work (extract, chunk, hash, embed) in bare worker_threads: ` +
      `1 thread ${fixed(ceiling.singleDocumentsPerSecond, 2)} docs/s, ${N} threads ${fixed(ceiling.multiDocumentsPerSecond, 2)} docs/s, ` +
      `ceiling ${fixed(ceiling.ceiling, 2)}×.`,
  );
  console.log(
    `\n## Redis per job (ragworker ×${N}, ${redisCost.jobs} CPU-bound jobs)\n\n${describeRedisCost(redisCost)}`,
  );
  console.log("\n## Targets\n");
  console.log(
    markdownTable(
      ["target", "goal", "measured", "holds"],
      targets.map((t) => [t.name, t.goal, t.measured, t.holds ? "yes" : "NO"]),
    ),
  );
  console.log(
    `\nload average before ${loadBefore.map((l) => l.toFixed(1)).join(" ")}, after ${loadAfter.map((l) => l.toFixed(1)).join(" ")}; ` +
      `wrote ${values.out}/latest.json and ${values.out}/throughput.svg in ${fixed(report.durationSeconds, 0)} s`,
  );
} finally {
  await Promise.all(
    contenders.map((c) => c.stop().catch((error: unknown) => log(`stopping ${c.label}: ${String(error)}`))),
  );
  await world.close();
}
