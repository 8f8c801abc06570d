/**
 * The queue-overhead part of `npm run bench`, alone: no-op jobs on ragworker ×N against a bare
 * BullMQ Worker at concurrency N (bench/measure/queue-overhead.ts). Needs `npm run build` first.
 *
 *   node --import tsx bench/queue-overhead.ts [--jobs 2000 --repetitions 4 --threads N --prefetch P --profile DIR]
 *
 * `--prefetch` sets ragworker's WORKER_PREFETCH (its default otherwise); `--log-level` its LOG_LEVEL
 * (warn, as in `npm run bench`).
 */
import { availableParallelism, loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createTestEnvironment } from "../test/support/test-environment.js";
import { compileBenchModules } from "./compile/bench-modules.js";
import { startContender, type Contender } from "./contenders/contender-process.js";
import { measureQueueOverhead } from "./measure/queue-overhead.js";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "2000" },
    repetitions: { type: "string", default: "4" },
    threads: { type: "string" },
    prefetch: { type: "string" },
    "log-level": { type: "string", default: "warn" },
    // ragworker writes CPU profiles (supervisor and threads) here; see summarize-profile.ts.
    profile: { type: "string" },
  },
});
const threads = Number(values.threads ?? availableParallelism());
const started = Date.now();
const log = (message: string) =>
  console.log(`[queue-overhead ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`);

log(
  `threads ${threads}, prefetch ${values.prefetch ?? "default"}; load average before ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const compiled = await compileBenchModules();
const world = await createTestEnvironment("bench-queue-overhead", { embeddingDim: 768 });
const env = world.env({
  LOG_LEVEL: values["log-level"],
  EMBEDDING_PROVIDER: "hash",
  JOB_LOCK_MS: "2000",
  // Jobs are added plainly for both contenders (see QUEUE_FAIRNESS in bench/throughput.ts).
  QUEUE_FAIRNESS: "off",
  ...(values.prefetch === undefined ? {} : { WORKER_PREFETCH: values.prefetch }),
});
const profileArgs = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${resolve(values.profile)}`] : [];
const contenders: Contender[] = [];
try {
  const ragworker = await startContender("ragworker", threads, env, compiled, profileArgs);
  contenders.push(ragworker);
  const bare = await startContender("bare-noop", threads, env, compiled);
  contenders.push(bare);
  const summary = await measureQueueOverhead(
    ragworker,
    bare,
    world.db,
    { jobsPerRun: Number(values.jobs), repetitions: Number(values.repetitions) },
    log,
  );
  log(
    `no-op jobs, concurrency ${summary.concurrency}: ragworker ${summary.ragworkerJobsPerSecond.toFixed(0)} jobs/s, ` +
      `bare BullMQ ${summary.bareJobsPerSecond.toFixed(0)} jobs/s, ratio ${summary.ratio.toFixed(2)}×`,
  );
  log(
    `load average after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
} finally {
  for (const contender of contenders) await contender.stop();
  await world.close();
}
