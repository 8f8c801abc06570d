/**
 * The real Prometheus (Debian's `prometheus` package, `bash scripts/services.sh test-tools`)
 * scraping the real worker with METRICS_REQUIRE_AUTH=1:
 *   - a job with `authorization: {type: Bearer, credentials: <key>}` gets the worker's series,
 *   - deploy/prometheus/prometheus.yml's own ragworker job (key from its credentials_file), with
 *     only its target and file path pointed at this test, gets them too,
 *   - a job with a wrong key leaves its target down with the worker's 403.
 * Everything is polled through Prometheus' HTTP API, with bounds; nothing sleeps blindly.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "../support/bounded-test.js";
import { freePort } from "../support/private-redis.js";
import { parse, stringify } from "yaml";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess, waitUntilServing } from "../support/worker-process.js";

const DEPLOY_CONFIG = fileURLToPath(new URL("../../deploy/prometheus/prometheus.yml", import.meta.url));
const WAIT_MS = 60_000;

interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  scrape_timeout?: string;
  metrics_path?: string;
  authorization?: { type?: string; credentials?: string; credentials_file?: string };
  static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
  [setting: string]: unknown;
}

interface ActiveTarget {
  labels: Record<string, string>;
  health: "up" | "down" | "unknown";
  lastError: string;
}

interface QuerySample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Polls `read` until it returns a value; fails naming `what` and the last thing seen. */
async function pollFor<T>(what: string, read: () => Promise<T | undefined>, describeLast: () => string) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms; ${describeLast()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("Prometheus scraping the worker's /metrics with a key", { timeout: 180_000 }, () => {
  const key = `scraper-${randomBytes(16).toString("hex")}`;
  const wrongKey = `wrong-${randomBytes(16).toString("hex")}`;
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let workDir: string;
  let prometheus: ChildProcess | undefined;
  let prometheusOutput = "";
  let apiBase: string;
  let lastTargets: ActiveTarget[] = [];
  let deployJobName: string;

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${apiBase}${path}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { status: string; data: T };
    assert.equal(body.status, "success", `${path}: ${JSON.stringify(body)}`);
    return body.data;
  };

  const targets = async (): Promise<ActiveTarget[]> => {
    lastTargets = (await api<{ activeTargets: ActiveTarget[] }>("/api/v1/targets?state=active"))
      .activeTargets;
    return lastTargets;
  };

  const describeTargets = () =>
    `targets: ${JSON.stringify(lastTargets.map(({ labels, health, lastError }) => ({ job: labels["job"], health, lastError })))}; prometheus output: ${prometheusOutput.slice(-1500)}`;

  /** The job's target once Prometheus has scraped it at least once (health no longer unknown). */
  const scrapedTarget = (job: string) =>
    pollFor(
      `a first scrape of job ${job}`,
      async () =>
        (await targets()).find((target) => target.labels["job"] === job && target.health !== "unknown"),
      describeTargets,
    );

  const query = (expression: string) =>
    api<{ resultType: string; result: QuerySample[] }>(
      `/api/v1/query?query=${encodeURIComponent(expression)}`,
    );

  before(async () => {
    const version = spawnSync("prometheus", ["--version"], { encoding: "utf8" });
    assert.ok(
      !version.error && version.status === 0,
      `prometheus not runnable (bash scripts/services.sh test-tools): ${String(version.error ?? version.stderr)}`,
    );

    env = await createTestEnvironment("prometheus-scrape", { embeddingDim: 64 });
    const keyDigest = createHash("sha256").update(key, "utf8").digest("hex");
    worker = startWorkerProcess(
      env.env({
        METRICS_REQUIRE_AUTH: "1",
        // The hashed form: the worker's environment never holds the key itself.
        API_KEYS_CONFIG: JSON.stringify({ [`sha256:${keyDigest}`]: ["metrics"] }),
        WORKER_THREADS: "1",
      }),
    );
    const workerPort = await waitUntilServing(worker);

    // One document through, so rag_worker_processed_total has a series to find.
    const { documentId, workspaceId } = await env.insertDocument({
      bytes: "Quarterly revenue grew in every region.\n\nThe scrape test needs one processed document.",
      fileName: "scrape.txt",
      mimeType: "text/plain",
    });
    const outcome = await env.finished(await env.enqueue({ documentId, workspaceId }));
    assert.equal(outcome.state, "completed", JSON.stringify(outcome));

    workDir = await mkdtemp(join(tmpdir(), "ragworker-prometheus-"));
    const credentialsFile = join(workDir, "metrics-key");
    await writeFile(credentialsFile, `${key}\n`, { mode: 0o600 });
    const target = `127.0.0.1:${workerPort}`;

    // The committed configuration's ragworker job, pointed at this worker and this key file.
    const deployed = parse(await readFile(DEPLOY_CONFIG, "utf8")) as { scrape_configs: ScrapeConfig[] };
    const deployJob = deployed.scrape_configs.find((job) => job.authorization?.credentials_file);
    assert.ok(deployJob, "deploy/prometheus/prometheus.yml has no job with authorization.credentials_file");
    deployJobName = deployJob.job_name;
    const fast = { scrape_interval: "1s", scrape_timeout: "1s" };
    const scrapeConfigs: ScrapeConfig[] = [
      {
        job_name: "ragworker-bearer",
        ...fast,
        authorization: { type: "Bearer", credentials: key },
        static_configs: [{ targets: [target] }],
      },
      {
        ...deployJob,
        ...fast,
        authorization: { ...deployJob.authorization, credentials_file: credentialsFile },
        static_configs: [{ targets: [target] }],
      },
      {
        job_name: "ragworker-wrong-key",
        ...fast,
        authorization: { type: "Bearer", credentials: wrongKey },
        static_configs: [{ targets: [target] }],
      },
    ];
    const configFile = join(workDir, "prometheus.yml");
    await writeFile(
      configFile,
      stringify({ global: { scrape_interval: "1s" }, scrape_configs: scrapeConfigs }),
    );
    const checked = spawnSync("promtool", ["check", "config", configFile], { encoding: "utf8" });
    assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);

    const port = await freePort();
    apiBase = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(workDir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    for (const stream of [prometheus.stdout, prometheus.stderr]) {
      stream?.setEncoding("utf8").on("data", (text: string) => {
        prometheusOutput = (prometheusOutput + text).slice(-20_000);
      });
    }
    const exited = once(prometheus, "exit").then(([code, signal]) => {
      throw new Error(`prometheus exited (${String(code ?? signal)}): ${prometheusOutput.slice(-1500)}`);
    });
    exited.catch(() => undefined);
    await Promise.race([
      pollFor(
        "Prometheus ready (/-/ready)",
        async () => {
          const response = await fetch(`${apiBase}/-/ready`, { signal: AbortSignal.timeout(2_000) });
          await response.body?.cancel();
          return response.ok ? true : undefined;
        },
        () => `prometheus output: ${prometheusOutput.slice(-1500)}`,
      ),
      exited,
    ]);
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
      const exit = once(prometheus, "exit");
      prometheus.kill("SIGTERM");
      const stopped = await Promise.race([
        exit.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]);
      if (!stopped) {
        prometheus.kill("SIGKILL");
        await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      }
    }
    await worker?.stop();
    await env?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test("a Bearer credentials job: target up, rag_worker_processed_total queryable", async () => {
    const target = await scrapedTarget("ragworker-bearer");
    assert.equal(target.health, "up", describeTargets());
    assert.equal(target.lastError, "");
    const samples = await pollFor(
      "rag_worker_processed_total{job=ragworker-bearer} in Prometheus",
      async () => {
        const { result } = await query('rag_worker_processed_total{job="ragworker-bearer"}');
        return result.length > 0 ? result : undefined;
      },
      describeTargets,
    );
    const ready = samples.find((sample) => sample.metric["status"] === "READY");
    assert.ok(ready, `no READY series: ${JSON.stringify(samples)}`);
    assert.equal(ready.value[1], "1");
  });

  test("deploy/prometheus/prometheus.yml's job, with its key file: target up", async () => {
    const target = await scrapedTarget(deployJobName);
    assert.equal(target.health, "up", describeTargets());
    const { result } = await query(`up{job="${deployJobName}"}`);
    assert.equal(result[0]?.value[1], "1", JSON.stringify(result));
  });

  test("a wrong key: target down, the worker's 403 in lastError, no worker series", async () => {
    const target = await scrapedTarget("ragworker-wrong-key");
    assert.equal(target.health, "down", describeTargets());
    assert.match(target.lastError, /403/);
    const { result } = await query('rag_worker_processed_total{job="ragworker-wrong-key"}');
    assert.deepEqual(result, []);
    const up = await query('up{job="ragworker-wrong-key"}');
    assert.equal(up.result[0]?.value[1], "0", JSON.stringify(up.result));
  });

  test("neither key reaches the worker's output", async () => {
    const output = worker.logs.map((line) => JSON.stringify(line)).join("\n") + worker.stderr();
    assert.ok(!output.includes(key), "the worker logged the scrape key");
    assert.ok(!output.includes(wrongKey), "the worker logged the wrong key");
  });
});
