/**
 * The scaling and Redis-cost parts of `npm run bench`, alone (needs `npm run build` first):
 * - the machine's ceiling: the pipeline's CPU work in 1 and N bare worker_threads
 *   (bench/measure/cpu-ceiling.ts);
 * - ragworker ×1 and ×N, in-process ×N and sandboxed ×N on the same CPU-bound corpus (warm-up,
 *   then repetitions), ragworker's scaling as a share of the ceiling, and ragworker ×N against
 *   the other two;
 * - Redis commands, CPU and bytes per job on a Redis of its own (bench/measure/redis-cost-run.ts).
 *
 *   node --import tsx bench/scaling.ts [--documents 40 --repetitions 3 --rounds 3 --seed 20261129 --profile DIR]
 */
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createTestEnvironment } from "../test/support/test-environment.js";
import { compileBenchModules } from "./compile/bench-modules.js";
import { startContender, type Contender, type ContenderKind } from "./contenders/contender-process.js";
import { CPU_BOUND_FORMATS, generateCorpus } from "./corpus/generate-corpus.js";
import { dropWorkspace, insertDocuments, storeCorpus } from "./measure/corpus-store.js";
import { measureCpuCeiling, shareOfCeiling } from "./measure/cpu-ceiling.js";
import { describeRedisCost } from "./measure/redis-cost.js";
import { measureRedisCost } from "./measure/redis-cost-run.js";
import { runJobs } from "./measure/run-jobs.js";
import { median } from "./measure/statistics.js";

const { values } = parseArgs({
  options: {
    documents: { type: "string", default: "40" },
    repetitions: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    seed: { type: "string", default: "20261129" },
    profile: { type: "string" },
  },
});
const N = availableParallelism();
const started = Date.now();
const log = (message: string) =>
  console.log(`[scaling ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`);
const loadBefore = loadavg();
log(`N = ${N}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);

const compiled = await compileBenchModules();
const world = await createTestEnvironment("bench-scaling", { embeddingDim: 768 });
const env = world.env({
  LOG_LEVEL: "warn",
  EMBEDDING_PROVIDER: "hash",
  JOB_LOCK_MS: "2000",
  MAX_CHUNKS: "1000000",
});
const profileArgs = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${resolve(values.profile)}`] : [];
const contenders: Contender[] = [];
try {
  const documents = await generateCorpus(Number(values.seed), Number(values.documents), 1, CPU_BOUND_FORMATS);
  const files = await storeCorpus(world.storageDir, "cpu-bound", documents);
  const paths = files.map((file) => ({
    path: join(world.storageDir, file.storageKey),
    fileName: file.fileName,
  }));

  const ceiling = await measureCpuCeiling({
    threadModulePath: compiled.ceilingThreadPath,
    files: paths,
    env,
    threads: N,
    rounds: Number(values.rounds),
    warmupPasses: 2,
    passes: 1,
  });
  log(
    `ceiling: 1 bare thread ${ceiling.singleDocumentsPerSecond.toFixed(2)} docs/s (${ceiling.singleRounds.map((r) => r.toFixed(2)).join(", ")}), ` +
      `${N} bare threads ${ceiling.multiDocumentsPerSecond.toFixed(2)} docs/s (${ceiling.multiRounds.map((r) => r.toFixed(2)).join(", ")}): ${ceiling.ceiling.toFixed(2)}×`,
  );

  const batch = async () => {
    const jobs = await insertDocuments(world.db, files);
    return { jobs, done: () => dropWorkspace(world.db, jobs[0]?.workspaceId ?? "") };
  };
  const rates = new Map<string, number[]>();
  const configurations: ReadonlyArray<readonly [ContenderKind, number]> = [
    ["ragworker", 1],
    ["ragworker", N],
    ["in-process", N],
    ["sandboxed", N],
  ];
  for (const [kind, threads] of configurations) {
    const contender = await startContender(
      kind,
      threads,
      env,
      compiled,
      kind === "ragworker" ? profileArgs : [],
    );
    contenders.push(contender);
    const once = async () => {
      const { jobs, done } = await batch();
      try {
        const run = await runJobs(contender, jobs);
        return run.completed / run.seconds;
      } finally {
        await done();
      }
    };
    const warm = [await once(), await once()];
    const measured: number[] = [];
    for (let repetition = 0; repetition < Number(values.repetitions); repetition += 1)
      measured.push(await once());
    rates.set(contender.label, measured);
    log(
      `${contender.label}: warm-up ${warm.map((r) => r.toFixed(2)).join(", ")}, runs ${measured.map((r) => r.toFixed(2)).join(", ")} docs/s`,
    );
    await contender.stop();
  }
  const rate = (kind: ContenderKind, threads: number) =>
    median(rates.get(contenders.find((c) => c.kind === kind && c.threads === threads)?.label ?? "") ?? []);
  const rag1 = rate("ragworker", 1);
  const ragN = rate("ragworker", N);
  const scaling = ragN / rag1;
  log(
    `ragworker ×${N} / ×1 = ${scaling.toFixed(2)}×; ceiling ${ceiling.ceiling.toFixed(2)}×; ` +
      `share of the ceiling ${shareOfCeiling(scaling, ceiling).toFixed(2)} (target ≥ 0.9); ` +
      `ragworker ×${N} is ${(ragN / ceiling.multiDocumentsPerSecond).toFixed(2)} of ${N} bare threads' documents/s`,
  );
  log(
    `ragworker ×${N} / in-process ×${N} = ${(ragN / rate("in-process", N)).toFixed(2)}× (target ≥ 1.6×); ` +
      `/ sandboxed ×${N} = ${(ragN / rate("sandboxed", N)).toFixed(2)}× (target ≥ 1.1×)`,
  );

  const cost = await measureRedisCost({ threads: N, baseEnv: env, compiled, batch });
  log(`Redis cost, ${cost.jobs} jobs in ${cost.seconds.toFixed(1)} s on ragworker ×${N}:`);
  console.log(describeRedisCost(cost));
  const loadAfter = loadavg();
  log(`load average after ${loadAfter.map((l) => l.toFixed(2)).join(" ")}`);
} finally {
  for (const contender of contenders) await contender.stop().catch(() => undefined);
  await world.close();
}
