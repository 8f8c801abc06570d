/**
 * docker-compose.yml, without a Docker engine: parsed, and its promises checked against the real
 * things they name — the worker's configuration (the stack's environment goes through
 * loadConfig), its CLI commands, the Dockerfile's health check, the files it mounts, and
 * Prometheus' own checker for the scrape configuration.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { before, describe, test } from "node:test";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/config.js";
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
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
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
    assert.deepEqual([...commands].sort(), ["health", "ingest", "migrate", "start"]);
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

  test("has Prometheus scrape the worker's /metrics with a configuration promtool accepts", async () => {
    const mount = (service(compose, "prometheus").volumes ?? []).find((volume) =>
      volume.includes("prometheus.yml"),
    );
    const file = join(ROOT, mount?.split(":")[0] ?? "");
    const prometheus = parse(await readFile(file, "utf8")) as {
      scrape_configs: Array<{ metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const config = loadConfig(service(compose, "ragworker").environment ?? {});
    const scrape = prometheus.scrape_configs.find((entry) =>
      entry.static_configs.some((group) => group.targets.includes(`ragworker:${config.httpPort}`)),
    );
    assert.ok(scrape, "no scrape config for ragworker");
    assert.equal(scrape.metrics_path ?? "/metrics", "/metrics");
    const checked = spawnSync("promtool", ["check", "config", file], { encoding: "utf8" });
    assert.ok(!checked.error, `promtool not runnable (apt-get install prometheus): ${String(checked.error)}`);
    assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);
  });
});
