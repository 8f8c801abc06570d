/**
 * docker-compose.yml, without a Docker engine: parsed, and its promises checked against the real
 * things they name — the worker's configuration (the stack's environment goes through
 * loadConfig), its CLI commands, the Dockerfile's health check, the files it mounts, and
 * Prometheus' own checker for the scrape configuration.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { before, describe, test } from "../support/bounded-test.js";
import { parse, stringify } from "yaml";
import { loadConfig } from "../../src/config/config.js";
import { authorizeMetrics } from "../../src/ops/api-key-auth.js";
import { parseS3Url } from "../../src/storage/s3-location.js";
import { cliCommands, commandUsage, deployableVariables, durationMs } from "../support/deploy-checks.js";
import { parseDockerfile } from "../support/dockerfile-steps.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Healthcheck {
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  stop_signal?: string;
  secrets?: Array<string | { source: string; target?: string }>;
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

interface PrometheusConfig {
  scrape_configs: Array<{
    job_name: string;
    metrics_path?: string;
    authorization?: { type?: string; credentials?: string; credentials_file?: string };
    static_configs: Array<{ targets: string[] }>;
  }>;
}

/**
 * Compose's variable interpolation, enough for this file: `${NAME}`, `${NAME:?message}`,
 * `${NAME:-default}` and `$$`. A variable that is unset (or empty, with `:`) and has `:?` fails
 * like `docker compose` does.
 */
function interpolate(text: string, variables: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (whole, name?: string, kind?: string, rest?: string) => {
      if (whole === "$$") return "$";
      const value = variables[name ?? ""];
      if (value !== undefined && value !== "") return value;
      if (kind === "?") throw new Error(`compose: ${name}: ${rest}`);
      return kind === "-" ? (rest ?? "") : "";
    },
  );
}

function interpolateAll(environment: Record<string, string>, variables: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, interpolate(value, variables)]),
  );
}

function service(compose: Compose, name: string): Service {
  const found = compose.services[name];
  assert.ok(found, `no service ${name}`);
  return found;
}

/** Services built from this repository's Dockerfile: their command is a ragworker subcommand. */
function workerServices(compose: Compose): Array<[string, Service]> {
  return Object.entries(compose.services).filter(([, entry]) => entry.build?.context === ".");
}

describe("docker-compose.yml", () => {
  let compose: Compose;

  before(async () => {
    compose = parse(await readFile(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as Compose;
  });

  test("has the stack's services", () => {
    for (const name of ["redis", "postgres", "minio", "minio-bucket", "migrate", "ragworker", "prometheus"]) {
      service(compose, name);
    }
    assert.match(service(compose, "postgres").image ?? "", /^pgvector\/pgvector:pg16$/);
  });

  test("runs Redis with maxmemory-policy noeviction, as BullMQ requires", () => {
    const command = service(compose, "redis").command;
    assert.ok(Array.isArray(command));
    const at = command.indexOf("--maxmemory-policy");
    assert.ok(at >= 0, `redis command: ${command.join(" ")}`);
    assert.equal(command[at + 1], "noeviction");
  });

  test("checks the health of every service something waits on as service_healthy", () => {
    for (const [name, entry] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(entry.depends_on ?? {})) {
        const target = service(compose, dependency);
        assert.ok(
          ["service_healthy", "service_started", "service_completed_successfully"].includes(condition),
          `${name} -> ${dependency}: ${condition}`,
        );
        if (condition === "service_healthy") {
          assert.ok(target.healthcheck?.test.length, `${dependency} has no healthcheck, ${name} waits on it`);
        }
      }
    }
  });

  test("starts the worker once Redis and PostgreSQL are healthy and the schema and bucket exist", () => {
    const dependsOn = service(compose, "ragworker").depends_on ?? {};
    assert.equal(dependsOn["redis"]?.condition, "service_healthy");
    assert.equal(dependsOn["postgres"]?.condition, "service_healthy");
    assert.equal(dependsOn["migrate"]?.condition, "service_completed_successfully");
    assert.equal(dependsOn["minio-bucket"]?.condition, "service_completed_successfully");
    assert.equal(service(compose, "migrate").depends_on?.["postgres"]?.condition, "service_healthy");
  });

  test("builds the worker from the Dockerfile and runs real ragworker commands", () => {
    const commands = cliCommands();
    assert.deepEqual([...commands].sort(), ["fairness", "health", "ingest", "migrate", "start"]);
    const workers = workerServices(compose);
    assert.deepEqual(workers.map(([name]) => name).sort(), ["migrate", "ragworker"]);
    for (const [name, entry] of workers) {
      assert.ok(existsSync(join(ROOT, entry.build?.dockerfile ?? "Dockerfile")));
      assert.ok(Array.isArray(entry.command), `${name}: command must be exec form`);
      const [command] = entry.command;
      assert.ok(command && commands.has(command), `${name}: ${command} is not a ragworker command`);
      assert.match(commandUsage(command), new RegExp(`^Usage: ragworker ${command}\\b`));
    }
    assert.deepEqual(service(compose, "ragworker").command, ["start"]);
    assert.deepEqual(service(compose, "migrate").command, ["migrate"]);
  });

  test("checks the worker's health with the Dockerfile's own HEALTHCHECK command", async () => {
    const runtime = parseDockerfile(await readFile(join(ROOT, "Dockerfile"), "utf8")).at(-1);
    const healthcheck = runtime?.instructions.find((entry) => entry.keyword === "HEALTHCHECK")?.args ?? "";
    const dockerfileCommand = JSON.parse(/CMD (\[.*\])/.exec(healthcheck)?.[1] ?? "null") as string[];
    const check = service(compose, "ragworker").healthcheck;
    assert.deepEqual(check?.test, ["CMD", ...dockerfileCommand]);
    assert.ok(
      cliCommands().has(dockerfileCommand.at(-1) ?? ""),
      "the health check's command is not a command",
    );
    assert.ok(durationMs(check?.timeout ?? "") < durationMs(check?.interval ?? ""));
  });

  test("gives the worker longer than DRAIN_TIMEOUT_MS to stop after SIGTERM", () => {
    const worker = service(compose, "ragworker");
    const config = loadConfig(worker.environment ?? {});
    assert.equal(worker.stop_signal ?? "SIGTERM", "SIGTERM");
    const grace = durationMs(worker.stop_grace_period ?? "10s");
    assert.ok(
      grace > config.drainTimeoutMs,
      `stop_grace_period ${grace} ms must exceed DRAIN_TIMEOUT_MS ${config.drainTimeoutMs}`,
    );
  });

  test("gives the worker an environment loadConfig accepts, of variables it reads", () => {
    const known = deployableVariables();
    for (const [name, entry] of workerServices(compose)) {
      const environment = entry.environment ?? {};
      for (const variable of Object.keys(environment)) {
        assert.ok(known.has(variable), `${name} sets ${variable}, which nothing reads`);
      }
      const config = loadConfig(environment);
      assert.equal(new URL(config.redisUrl).hostname, "redis");
      assert.equal(new URL(config.databaseUrl).hostname, "postgres");
      assert.equal(new URL(config.s3.endpoint ?? "http://none").hostname, "minio");
    }
  });

  test("publishes the ops port the worker listens on, and no host port twice", () => {
    const config = loadConfig(service(compose, "ragworker").environment ?? {});
    assert.ok(service(compose, "ragworker").ports?.includes(`${config.httpPort}:${config.httpPort}`));
    const hostPorts = Object.values(compose.services).flatMap((entry) =>
      (entry.ports ?? []).map((port) => port.split(":")[0]),
    );
    assert.equal(new Set(hostPorts).size, hostPorts.length, `host ports: ${hostPorts.join(", ")}`);
  });

  test("creates the bucket STORAGE_URL names, with the credentials the worker uses", () => {
    const environment = service(compose, "ragworker").environment ?? {};
    const { bucket } = parseS3Url(loadConfig(environment).storageUrl);
    const script = [service(compose, "minio-bucket").command].flat().join(" ");
    assert.match(script, new RegExp(`mc mb --ignore-existing local/${bucket}(\\s|$)`));
    const minio = service(compose, "minio").environment ?? {};
    assert.equal(minio["MINIO_ROOT_USER"], environment["AWS_ACCESS_KEY_ID"]);
    assert.equal(minio["MINIO_ROOT_PASSWORD"], environment["AWS_SECRET_ACCESS_KEY"]);
    assert.ok(script.includes(`${minio["MINIO_ROOT_USER"]} ${minio["MINIO_ROOT_PASSWORD"]}`));
  });

  test("mounts files that exist, and named volumes that are declared", () => {
    for (const [name, entry] of Object.entries(compose.services)) {
      for (const volume of entry.volumes ?? []) {
        const [source = ""] = volume.split(":");
        if (source.startsWith(".")) assert.ok(existsSync(join(ROOT, source)), `${name} mounts ${source}`);
        else assert.ok(source in (compose.volumes ?? {}), `${name} uses undeclared volume ${source}`);
      }
    }
  });

  test("is started and fed by README commands that name real services, commands and variables", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const section = readme.split("### Docker Compose")[1]?.split(/^### /m)[0] ?? "";
    const shell = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
      .map((block) => block[1] ?? "")
      .join("\n")
      .replace(/\\\n/g, " ");
    assert.match(shell, /docker compose up -d --build/);
    const commands = cliCommands();
    const runs = [...shell.matchAll(/docker compose run --rm (?:-v \S+\s+)*(\S+)\s+(\w+)/g)];
    assert.ok(runs.length > 0, "no `docker compose run` in the README");
    for (const [, name = "", command = ""] of runs) {
      assert.ok(service(compose, name).build, `${name} is not built from the Dockerfile`);
      assert.ok(commands.has(command), `README runs ${command}, not a ragworker command`);
    }
    const hostRun = /((?:[A-Z0-9_]+=\S+\s+)+)node dist\/cli\/main\.js (\w+)/.exec(shell);
    assert.ok(hostRun, "no host-side ingest in the README");
    assert.ok(commands.has(hostRun[2] ?? ""));
    const environment = Object.fromEntries(
      (hostRun[1] ?? "")
        .trim()
        .split(/\s+/)
        .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    );
    const known = deployableVariables();
    for (const variable of Object.keys(environment)) assert.ok(known.has(variable), variable);
    // From the host, the same storage and database as the stack's worker, through published ports.
    const hostConfig = loadConfig(environment);
    const stackConfig = loadConfig(service(compose, "ragworker").environment ?? {});
    assert.equal(hostConfig.storageUrl, stackConfig.storageUrl);
    const published = Object.values(compose.services).flatMap((entry) =>
      (entry.ports ?? []).map((port) => port.split(":")[0]),
    );
    for (const url of [hostConfig.redisUrl, hostConfig.databaseUrl, hostConfig.s3.endpoint ?? ""]) {
      assert.ok(published.includes(new URL(url).port), `${url} is not a published port`);
    }
  });

  /** The prometheus.yml the prometheus service mounts, its path in the repository and its contents. */
  const prometheusConfig = async (): Promise<{ file: string; config: PrometheusConfig }> => {
    const mount = (service(compose, "prometheus").volumes ?? []).find((volume) =>
      volume.includes("prometheus.yml"),
    );
    const file = join(ROOT, mount?.split(":")[0] ?? "");
    return { file, config: parse(await readFile(file, "utf8")) as PrometheusConfig };
  };

  const workerScrapeJob = (config: PrometheusConfig) => {
    const { httpPort } = loadConfig(service(compose, "ragworker").environment ?? {});
    const scrape = config.scrape_configs.find((entry) =>
      entry.static_configs.some((group) => group.targets.includes(`ragworker:${httpPort}`)),
    );
    assert.ok(scrape, "no scrape config for ragworker");
    return scrape;
  };

  test("has Prometheus scrape the worker's /metrics with a configuration promtool accepts", async () => {
    const { file, config } = await prometheusConfig();
    const scrape = workerScrapeJob(config);
    assert.equal(scrape.metrics_path ?? "/metrics", "/metrics");
    // promtool also checks that credentials_file exists: it is only in the container, so the check
    // runs on a copy pointing at a stand-in file.
    const dir = await mkdtemp(join(tmpdir(), "ragworker-promtool-"));
    try {
      const standIn = join(dir, "key");
      await writeFile(standIn, "stand-in\n");
      const copy = join(dir, "prometheus.yml");
      const rewritten: PrometheusConfig = {
        ...config,
        scrape_configs: config.scrape_configs.map((entry) =>
          entry.authorization?.credentials_file
            ? { ...entry, authorization: { ...entry.authorization, credentials_file: standIn } }
            : entry,
        ),
      };
      await writeFile(copy, stringify(rewritten));
      for (const target of [file, copy]) {
        const args =
          target === file ? ["check", "config", "--syntax-only", target] : ["check", "config", target];
        const checked = spawnSync("promtool", args, { encoding: "utf8" });
        assert.ok(
          !checked.error,
          `promtool not runnable (apt-get install prometheus): ${String(checked.error)}`,
        );
        assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("scrapes with a Bearer key from a compose secret fed by the environment, not from a file in the repository", async () => {
    const { config } = await prometheusConfig();
    const scrape = workerScrapeJob(config);
    assert.equal(scrape.authorization?.type ?? "Bearer", "Bearer");
    assert.equal(scrape.authorization?.credentials, undefined, "the key is written in prometheus.yml");
    const credentialsFile = scrape.authorization?.credentials_file ?? "";
    const secretName = /^\/run\/secrets\/([\w.-]+)$/.exec(credentialsFile)?.[1];
    assert.ok(secretName, `credentials_file ${credentialsFile} is not a compose secret's path`);
    const mounted = (service(compose, "prometheus").secrets ?? []).map((entry) =>
      typeof entry === "string" ? entry : (entry.target ?? entry.source),
    );
    assert.ok(
      mounted.includes(secretName),
      `prometheus mounts secrets ${mounted.join(", ")}, not ${secretName}`,
    );
    const source = compose.secrets?.[secretName];
    assert.ok(source?.environment, `secret ${secretName} does not come from an environment variable`);
    assert.equal(source.file, undefined);
  });

  test("requires the key on the worker's /metrics: the secret's key opens it, another does not", () => {
    const variable = compose.secrets?.["ragworker-metrics-key"]?.environment ?? "";
    assert.ok(variable, "no ragworker-metrics-key secret");
    const raw = service(compose, "ragworker").environment ?? {};
    assert.throws(
      () => interpolateAll(raw, {}),
      new RegExp(`compose: ${variable}: `),
      "an unset key must stop compose",
    );
    const key = "compose-test-key-0123456789abcdef";
    const config = loadConfig(interpolateAll(raw, { [variable]: key }));
    assert.equal(config.metricsRequireAuth, true);
    assert.equal(authorizeMetrics(key, config.apiKeys, config.rbac), "allowed");
    assert.equal(authorizeMetrics("another-key", config.apiKeys, config.rbac), "forbidden");
    assert.equal(authorizeMetrics(undefined, config.apiKeys, config.rbac), "missing");
    // No key is written in the file: every configured key comes from the variable.
    for (const entry of config.apiKeys) assert.equal(entry.value, key);
  });
});
