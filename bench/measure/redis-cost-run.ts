/**
 * The Redis cost run: a ragworker ×N of its own on a Redis of its own (test/support/private-redis.ts,
 * so the services' Redis, which other processes share, is not counted), one batch of documents,
 * the counters read before and after (redis-cost.ts).
 */
import { Redis } from "ioredis";
import { startPrivateRedis } from "../../test/support/private-redis.js";
import type { CompiledBenchModules } from "../compile/bench-modules.js";
import { startContender } from "../contenders/contender-process.js";
import { readRedisCounters, redisCostPerJob, type RedisCost } from "./redis-cost.js";
import type { JobData, JobsRun } from "./run-jobs.js";
import { runJobs } from "./run-jobs.js";

export async function measureRedisCost(options: {
  readonly threads: number;
  readonly baseEnv: Record<string, string>;
  readonly compiled: CompiledBenchModules;
  /** A new batch of jobs (documents inserted) per call, and its clean-up. */
  readonly batch: () => Promise<{ jobs: JobData[]; done: () => Promise<void> }>;
}): Promise<RedisCost & { readonly seconds: number }> {
  const redis = await startPrivateRedis();
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const contender = await startContender(
    "ragworker",
    options.threads,
    { ...options.baseEnv, REDIS_URL: redis.url },
    options.compiled,
  );
  try {
    const once = async (measure: boolean): Promise<{ run: JobsRun; cost?: RedisCost }> => {
      const { jobs, done } = await options.batch();
      try {
        const before = measure ? await readRedisCounters(admin) : undefined;
        const run = await runJobs(contender, jobs);
        if (!before) return { run };
        return { run, cost: redisCostPerJob(before, await readRedisCounters(admin), run.completed) };
      } finally {
        await done();
      }
    };
    // A warm-up batch first: the worker's start-up commands (script loading, its first fetches)
    // are not a cost per job.
    await once(false);
    const { run, cost } = await once(true);
    if (!cost) throw new Error("the measured Redis cost run returned no counters");
    return { ...cost, seconds: run.seconds };
  } finally {
    await contender.stop();
    admin.disconnect();
    await redis.stop();
  }
}
