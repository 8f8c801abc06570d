/**
 * The fault suite: real worker processes under hundreds of documents each, with real Redis and
 * PostgreSQL of its own (started by scripts/services.sh on their own ports), through the
 * scenarios below (one per row of README's table). Prints one row per scenario and exits 1 if
 * anything was lost, stuck or duplicated, or a scenario's own checks failed. Not part of
 * `npm test` (it takes minutes).
 *
 *   npm run faults [-- --quick] [-- --only 2,4]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { startFaultServices } from "./fault-services.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import { cancelMidLoadScenario } from "./scenarios/cancel-mid-load.js";
import { embeddingOutage, postgresStopped, s3Denied, s3Stopped } from "./scenarios/dependency-outages.js";
import { killNine } from "./scenarios/kill-nine.js";
import { noJob } from "./scenarios/no-job.js";
import { postgresRestart } from "./scenarios/postgres-restart.js";
import { redisLostData } from "./scenarios/redis-lost-data.js";
import { redisOutage } from "./scenarios/redis-outage.js";
import { sentinelFailover } from "./scenarios/sentinel-failover.js";
import { sigtermDrain } from "./scenarios/sigterm-drain.js";
import { soak } from "./scenarios/soak.js";
import { threadCrash } from "./scenarios/thread-crash.js";
import { threeReconcilers } from "./scenarios/three-reconcilers.js";
import { threeWorkers } from "./scenarios/three-workers.js";

const SCENARIOS: readonly Scenario[] = [
  threadCrash,
  killNine,
  sigtermDrain,
  redisOutage,
  postgresRestart,
  threeWorkers,
  soak,
  redisLostData,
  noJob,
  cancelMidLoadScenario,
  threeReconcilers,
  sentinelFailover,
  s3Stopped,
  embeddingOutage,
  postgresStopped,
  s3Denied,
];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "redis-port": { type: "string", default: process.env["FAULT_REDIS_PORT"] ?? "6391" },
    "postgres-port": { type: "string", default: process.env["FAULT_POSTGRES_PORT"] ?? "5441" },
  },
});
const scale = values.quick ? 0.2 : 1;
const only = values.only?.split(",").map(Number);
// `--only 4,12` names rows by the number their names start with ("12. Redis Sentinel …"), which
// stays right while rows land out of order.
const rowOf = (scenario: Scenario, index: number): number =>
  Number(/^(\d+)\./.exec(scenario.name)?.[1] ?? index + 1);
const selected = SCENARIOS.filter((scenario, i) => !only || only.includes(rowOf(scenario, i)));

const log = (message: string) => console.log(message);
const services = await startFaultServices(Number(values["redis-port"]), Number(values["postgres-port"]));
// The test support code (createTestEnvironment) reads these: every scenario lands on our services.
process.env["REDIS_URL"] = services.redisUrl;
process.env["DATABASE_URL"] = services.databaseUrl;
log(`fault suite: Redis ${services.redisUrl}, PostgreSQL on port ${values["postgres-port"]}, scale ${scale}`);

const results: ScenarioResult[] = [];
for (const scenario of selected) {
  log(`\n${scenario.name}`);
  const started = performance.now();
  const result = await scenario.run({ services, scale, log });
  results.push(result);
  for (const check of result.checks) log(`  ${check.ok ? "ok  " : "FAIL"} ${check.what}`);
  for (const note of result.notes) log(`  ${note}`);
  const reasons = Object.entries(result.tally.failureReasons);
  if (reasons.length > 0) log(`  failure reasons: ${reasons.map(([code, n]) => `${code} ${n}`).join(", ")}`);
  log(`  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

const table = new Table({
  // Plain text: the table is pasted into notes and READMEs.
  style: { head: [], border: [] },
  head: [
    "scenario",
    "documents",
    "READY",
    "FAILED",
    "lost",
    "stuck PROCESSING",
    "duplicated chunks",
    "recovery",
  ],
});
for (const { name, tally, recoverySeconds } of results) {
  table.push([
    name,
    tally.documents,
    tally.ready,
    tally.failed,
    tally.lost,
    tally.stuckProcessing,
    tally.duplicatedChunks,
    recoverySeconds === null ? "—" : `${recoverySeconds.toFixed(1)} s`,
  ]);
}
log(`\n${table.toString()}`);

await mkdir(".ragworker", { recursive: true });
await writeFile(".ragworker/fault-suite.json", `${JSON.stringify({ scale, results }, null, 2)}\n`);
const broken = results.filter(
  ({ tally, checks }) =>
    tally.lost > 0 ||
    tally.stuckProcessing > 0 ||
    tally.duplicatedChunks > 0 ||
    checks.some((check) => !check.ok),
);
if (broken.length > 0) {
  log(`\nfault suite: FAILED in ${broken.map((result) => result.name).join("; ")}`);
  process.exit(1);
}
log("\nfault suite: nothing lost, stuck or duplicated; every check held");
process.exit(0);
