/**
 * What a processed job costs Redis: `INFO commandstats` (calls and server CPU µs per command) and
 * `INFO stats` (bytes in and out, commands processed) read before and after a run on a Redis of
 * the benchmark's own, so no other client's traffic is counted. Besides ragworker the counts
 * include the benchmark's producer (`addBulk`, part of every job's real cost) and its QueueEvents
 * observer (`XREAD` on the events stream, which a deployment need not run): reported apart.
 *
 * Commands run by BullMQ's Lua scripts (`EVALSHA`) are counted by Redis as well as the EVALSHA
 * itself (measured: `total_commands_processed` moved exactly as the commandstats sum, so neither
 * tells round trips from commands inside scripts); the EVALSHA count is reported apart. The
 * commandstats µs of an EVALSHA include its inner commands' µs, so summing them would count twice:
 * Redis's CPU per job is read from `INFO cpu` instead (the process's user + system time, which
 * also holds the network I/O and event loop a command's own µs leave out).
 */
import type { Redis } from "ioredis";

export interface RedisCounters {
  /** Per command (lower case, as INFO names it): calls and CPU µs. */
  readonly commands: ReadonlyMap<string, { readonly calls: number; readonly usec: number }>;
  /** used_cpu_user + used_cpu_sys, seconds. */
  readonly cpuSeconds: number;
  readonly netInputBytes: number;
  readonly netOutputBytes: number;
}

export interface RedisCost {
  readonly jobs: number;
  /** Every executed command per job, those inside scripts included, the observer's left out. */
  readonly commandsPerJob: number;
  /** BullMQ script calls per job (each also counted with its inner commands above). */
  readonly evalshaPerJob: number;
  /** Redis process CPU per job in µs (INFO cpu), the observer's share included (not separable). */
  readonly cpuUsecPerJob: number;
  readonly bytesInPerJob: number;
  readonly bytesOutPerJob: number;
  /** The observer's XREADs per job (not a cost of ragworker). */
  readonly observerCallsPerJob: number;
  /** Calls per job by command, most first. */
  readonly byCommand: ReadonlyArray<{
    readonly command: string;
    readonly callsPerJob: number;
    readonly usecPerJob: number;
  }>;
}

/** Only the benchmark's QueueEvents sends these. */
const OBSERVER_COMMANDS = new Set(["xread"]);

export async function readRedisCounters(redis: Redis): Promise<RedisCounters> {
  const [commandstats, stats, cpu] = await Promise.all([
    redis.info("commandstats"),
    redis.info("stats"),
    redis.info("cpu"),
  ]);
  const commands = new Map<string, { calls: number; usec: number }>();
  // cmdstat_evalsha:calls=12,usec=345,usec_per_call=28.75,rejected_calls=0,failed_calls=0
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    commands.set(match[1] ?? "", { calls: Number(match[2]), usec: Number(match[3]) });
  }
  const field = (text: string, name: string): number =>
    Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(text)?.[1] ?? NaN);
  return {
    commands,
    cpuSeconds: field(cpu, "used_cpu_user") + field(cpu, "used_cpu_sys"),
    netInputBytes: field(stats, "total_net_input_bytes"),
    netOutputBytes: field(stats, "total_net_output_bytes"),
  };
}

export function redisCostPerJob(before: RedisCounters, after: RedisCounters, jobs: number): RedisCost {
  const byCommand: Array<{ command: string; calls: number; usec: number }> = [];
  for (const [command, counts] of after.commands) {
    const earlier = before.commands.get(command) ?? { calls: 0, usec: 0 };
    const calls = counts.calls - earlier.calls;
    // INFO itself: the two reads of this measurement.
    if (calls > 0 && command !== "info") byCommand.push({ command, calls, usec: counts.usec - earlier.usec });
  }
  byCommand.sort((a, b) => b.calls - a.calls);
  const observer = byCommand.filter((entry) => OBSERVER_COMMANDS.has(entry.command));
  const own = byCommand.filter((entry) => !OBSERVER_COMMANDS.has(entry.command));
  const sum = (entries: typeof byCommand, key: "calls" | "usec") =>
    entries.reduce((total, entry) => total + entry[key], 0);
  const observerCalls = sum(observer, "calls");
  return {
    jobs,
    commandsPerJob: sum(own, "calls") / jobs,
    evalshaPerJob: (byCommand.find((entry) => entry.command === "evalsha")?.calls ?? 0) / jobs,
    cpuUsecPerJob: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / jobs,
    bytesInPerJob: (after.netInputBytes - before.netInputBytes) / jobs,
    bytesOutPerJob: (after.netOutputBytes - before.netOutputBytes) / jobs,
    observerCallsPerJob: observerCalls / jobs,
    byCommand: byCommand.map((entry) => ({
      command: entry.command,
      callsPerJob: entry.calls / jobs,
      usecPerJob: entry.usec / jobs,
    })),
  };
}

/**
 * Assumption for "how many workers one Redis feeds": one Redis core serves about this many simple
 * commands a second from many clients without pipelining (redis-benchmark's order of magnitude
 * for GET/SET on one core); BullMQ's EVALSHA scripts cost more each, which the measured CPU µs
 * per job (the second estimate) accounts for.
 */
export const REDIS_COMMANDS_PER_CORE_SECOND = 100_000;

/** Jobs a second one Redis core can take: by round trips (assumed rate) and by measured CPU. */
export function redisJobsPerSecond(cost: RedisCost): { byCommands: number; byCpu: number } {
  return {
    byCommands: REDIS_COMMANDS_PER_CORE_SECOND / cost.commandsPerJob,
    byCpu: 1e6 / cost.cpuUsecPerJob,
  };
}

/** A few lines for the console: per job figures, the top commands, and the jobs/s one core takes. */
export function describeRedisCost(cost: RedisCost): string {
  const capacity = redisJobsPerSecond(cost);
  const top = cost.byCommand
    .slice(0, 10)
    .map((entry) => `${entry.command} ${entry.callsPerJob.toFixed(2)} (${entry.usecPerJob.toFixed(0)} µs)`)
    .join(", ");
  return [
    `  per job: ${cost.commandsPerJob.toFixed(1)} commands (scripts' inner ones included; ${cost.evalshaPerJob.toFixed(1)} EVALSHA), ` +
      `${cost.cpuUsecPerJob.toFixed(0)} µs of Redis process CPU, ${(cost.bytesInPerJob / 1024).toFixed(1)} KB in, ${(cost.bytesOutPerJob / 1024).toFixed(1)} KB out; ` +
      `the benchmark's QueueEvents observer added ${cost.observerCallsPerJob.toFixed(2)} XREAD a job (left out)`,
    `  calls per job (commandstats µs per job; an EVALSHA's include its inner commands'): ${top}`,
    `  one Redis core: about ${capacity.byCommands.toFixed(0)} jobs/s at ${REDIS_COMMANDS_PER_CORE_SECOND.toLocaleString("en")} commands/s, ` +
      `${capacity.byCpu.toFixed(0)} jobs/s at the measured CPU per job`,
  ].join("\n");
}
