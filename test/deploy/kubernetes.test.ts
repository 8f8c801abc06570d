/**
 * deploy/kubernetes/, without a cluster: every manifest parsed, and the Deployment's promises
 * checked against the worker's real configuration, CLI and ops server; the KEDA trigger's Redis
 * list checked against what BullMQ really writes.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { before, describe, test } from "../support/bounded-test.js";
import { Redis } from "ioredis";
import { parseAllDocuments } from "yaml";
import { loadConfig, type Config } from "../../src/config/config.js";
import { authorizeMetrics } from "../../src/ops/api-key-auth.js";
import { FAIRNESS_DEFAULTS } from "../../src/config/fairness-settings.js";
import { DocumentProducer } from "../../src/producer/enqueue-document.js";
import { cliCommands, deployableVariables } from "../support/deploy-checks.js";
import { redisUrl, uniqueQueueName } from "../support/services.js";

const DIR = fileURLToPath(new URL("../../deploy/kubernetes", import.meta.url));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Probe {
  httpGet: { path: string; port: string | number };
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { terminationGracePeriodSeconds?: number; restartPolicy?: string; containers: Container[] };
}

/** Kubernetes cpu quantities: "2", "1.5", "500m". */
function cpuCores(quantity: string): number {
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

/** Memory quantities in MiB: "3Gi", "1536Mi". */
function mebibytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Mi|Gi)$/.exec(quantity);
  assert.ok(match, `unsupported memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
}

describe("Kubernetes manifests", () => {
  let manifests: Manifest[];
  let files: string[];

  const find = (kind: string, name?: string): Manifest => {
    const found = manifests.filter(
      (entry) => entry.kind === kind && (!name || entry.metadata?.name === name),
    );
    assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
    return found[0] as Manifest;
  };
  const podTemplate = (manifest: Manifest) => (manifest["spec"] as { template: PodTemplate }).template;
  const container = (manifest: Manifest) => {
    const [first] = podTemplate(manifest).spec.containers;
    assert.ok(first, `${manifest.metadata?.name} has no container`);
    return first;
  };
  /** The environment a container gets from its ConfigMaps and Secrets, as the worker would read it. */
  const environmentOf = (entry: Container): Record<string, string> => {
    const environment: Record<string, string> = {};
    for (const source of entry.envFrom ?? []) {
      if (source.configMapRef) {
        Object.assign(environment, find("ConfigMap", source.configMapRef.name)["data"]);
      }
      if (source.secretRef) Object.assign(environment, find("Secret", source.secretRef.name)["stringData"]);
    }
    return environment;
  };
  const workerConfig = (): Config => loadConfig(environmentOf(container(find("Deployment", "ragworker"))));

  before(async () => {
    files = (await readdir(DIR)).filter((file) => /\.ya?ml$/.test(file)).sort();
    manifests = [];
    for (const file of files) {
      for (const document of parseAllDocuments(await readFile(join(DIR, file), "utf8"))) {
        assert.deepEqual(document.errors, [], `${file}: ${document.errors.join("; ")}`);
        manifests.push(document.toJSON() as Manifest);
      }
    }
  });

  test("are well-formed objects, all listed in kustomization.yaml", async () => {
    for (const manifest of manifests) {
      // kustomization.yaml is read by kubectl, not sent to the cluster: it has no name.
      if (manifest.kind === "Kustomization") continue;
      assert.ok(manifest.apiVersion && manifest.kind && manifest.metadata?.name, JSON.stringify(manifest));
    }
    const kustomization = find("Kustomization");
    const resources = kustomization["resources"] as string[];
    assert.deepEqual(
      [...resources].sort(),
      files.filter((file) => file !== "kustomization.yaml"),
    );
    for (const resource of resources) assert.ok(existsSync(join(DIR, resource)));
    for (const kind of [
      "Deployment",
      "ConfigMap",
      "Secret",
      "Service",
      "Job",
      "ScaledObject",
      "ServiceMonitor",
    ]) {
      assert.ok(
        manifests.some((entry) => entry.kind === kind),
        `no ${kind}`,
      );
    }
  });

  test("set only variables the worker (or the AWS credential chain) reads, in a config loadConfig accepts", () => {
    const known = deployableVariables();
    for (const workload of [find("Deployment", "ragworker"), find("Job")]) {
      const environment = environmentOf(container(workload));
      for (const variable of Object.keys(environment)) {
        assert.ok(known.has(variable), `${workload.metadata?.name} gets ${variable}, which nothing reads`);
      }
      assert.doesNotThrow(() => loadConfig(environment));
    }
    assert.match(workerConfig().storageUrl, /^s3:\/\//);
  });

  test("probe /healthz for liveness and /readyz for readiness on the ops port of the ConfigMap", () => {
    const deployment = find("Deployment", "ragworker");
    const worker = container(deployment);
    const { httpPort } = workerConfig();
    const portOf = (port: string | number) =>
      typeof port === "number" ? port : worker.ports?.find((entry) => entry.name === port)?.containerPort;
    assert.equal(worker.livenessProbe?.httpGet.path, "/healthz");
    assert.equal(worker.readinessProbe?.httpGet.path, "/readyz");
    assert.equal(portOf(worker.livenessProbe?.httpGet.port ?? ""), httpPort);
    assert.equal(portOf(worker.readinessProbe?.httpGet.port ?? ""), httpPort);
  });

  test("require a key on /metrics, and have no pod annotation invite scrapers that send none", () => {
    assert.equal(workerConfig().metricsRequireAuth, true);
    const annotations = podTemplate(find("Deployment", "ragworker")).metadata.annotations ?? {};
    assert.notEqual(annotations["prometheus.io/scrape"], "true", "annotation-driven scrapes send no key");
  });

  test("scrape every worker pod through the metrics Service with a Secret's key that opens /metrics", () => {
    const monitor = find("ServiceMonitor")["spec"] as {
      selector: { matchLabels: Record<string, string> };
      endpoints: Array<{
        port?: string;
        path?: string;
        authorization?: { type?: string; credentials?: { name: string; key: string } };
      }>;
    };
    const service = find("Service", "ragworker-metrics");
    for (const [key, value] of Object.entries(monitor.selector.matchLabels)) {
      assert.equal(
        service.metadata?.labels?.[key],
        value,
        `the ServiceMonitor does not select ${key}=${value}`,
      );
    }
    const [endpoint] = monitor.endpoints;
    const servicePorts = (service["spec"] as { ports: Array<{ name?: string }> }).ports;
    assert.ok(
      servicePorts.some((port) => port.name === endpoint?.port),
      `no Service port ${endpoint?.port}`,
    );
    assert.equal(endpoint?.path ?? "/metrics", "/metrics");
    assert.equal(endpoint?.authorization?.type ?? "Bearer", "Bearer");
    const reference = endpoint?.authorization?.credentials;
    assert.ok(reference, "the ServiceMonitor sends no key");
    const secret = find("Secret", reference.name)["stringData"] as Record<string, string>;
    const key = secret[reference.key];
    assert.ok(key, `secret ${reference.name} has no ${reference.key}`);
    const config = workerConfig();
    assert.equal(authorizeMetrics(key, config.apiKeys, config.rbac), "allowed");
    assert.equal(authorizeMetrics(`${key}-not`, config.apiKeys, config.rbac), "forbidden");
  });

  test("give the drain longer than DRAIN_TIMEOUT_MS before the kill", () => {
    const grace = podTemplate(find("Deployment", "ragworker")).spec.terminationGracePeriodSeconds ?? 30;
    const { drainTimeoutMs } = workerConfig();
    assert.ok(grace * 1000 > drainTimeoutMs, `grace ${grace} s, drain ${drainTimeoutMs} ms`);
  });

  test("request a core per thread, and memory above every thread's heap limit", () => {
    const worker = container(find("Deployment", "ragworker"));
    const { threads, threadMaxHeapMb } = workerConfig();
    assert.equal(cpuCores(worker.resources?.requests?.cpu ?? "0"), threads);
    assert.equal(worker.resources?.limits?.cpu, undefined, "a cpu limit throttles the supervisor");
    const limit = mebibytes(worker.resources?.limits?.memory ?? "0Mi");
    assert.ok(limit > threads * threadMaxHeapMb, `memory limit ${limit} Mi`);
    assert.ok(mebibytes(worker.resources?.requests?.memory ?? "0Mi") <= limit);
  });

  test("run real ragworker commands: start in the Deployment, migrate in the Job", () => {
    const commands = cliCommands();
    const deployment = container(find("Deployment", "ragworker"));
    const job = find("Job");
    assert.deepEqual(deployment.args, ["start"]);
    assert.deepEqual(container(job).args, ["migrate"]);
    for (const args of [deployment.args, container(job).args]) assert.ok(commands.has(args?.[0] ?? ""));
    assert.ok(["OnFailure", "Never"].includes(podTemplate(job).spec.restartPolicy ?? ""));
    assert.equal(container(job).image, deployment.image);
  });

  test("select the worker pods in the Deployment and the metrics Service", () => {
    const deployment = find("Deployment", "ragworker");
    const labels = podTemplate(deployment).metadata.labels;
    const selector = (deployment["spec"] as { selector: { matchLabels: Record<string, string> } }).selector;
    for (const [key, value] of Object.entries(selector.matchLabels)) assert.equal(labels[key], value);
    const service = find("Service")["spec"] as {
      selector: Record<string, string>;
      ports: Array<{ port: number; targetPort: string | number }>;
    };
    for (const [key, value] of Object.entries(service.selector)) assert.equal(labels[key], value);
    const ops = container(deployment).ports?.find((port) => port.name === service.ports[0]?.targetPort);
    assert.equal(ops?.containerPort, workerConfig().httpPort);
  });

  test("scale with KEDA on the queue's BullMQ wait list, with the password from a Secret", () => {
    const scaled = find("ScaledObject")["spec"] as {
      scaleTargetRef: { name: string };
      triggers: Array<{
        type: string;
        metadata: Record<string, string>;
        authenticationRef?: { name: string };
      }>;
    };
    assert.equal(scaled.scaleTargetRef.name, find("Deployment", "ragworker").metadata?.name);
    const [trigger] = scaled.triggers;
    assert.equal(trigger?.type, "redis");
    const config = workerConfig();
    assert.equal(trigger?.metadata["listName"], `bull:${config.queueName}:wait`);
    assert.equal(trigger?.metadata["address"], new URL(config.redisUrl).host);
    assert.ok(Number(trigger?.metadata["listLength"]) > 0);
    const auth = find("TriggerAuthentication", trigger?.authenticationRef?.name)["spec"] as {
      secretTargetRef: Array<{ parameter: string; name: string; key: string }>;
    };
    for (const reference of auth.secretTargetRef) {
      const secret = find("Secret", reference.name)["stringData"] as Record<string, string>;
      assert.ok(reference.key in secret, `secret ${reference.name} has no ${reference.key}`);
    }
  });

  test("with QUEUE_FAIRNESS on, scale on the waiting-jobs gauge too (prioritized jobs are no list)", () => {
    const scaled = find("ScaledObject")["spec"] as {
      triggers: Array<{ type: string; metadata: Record<string, string> }>;
    };
    const prometheus = scaled.triggers.find((trigger) => trigger.type === "prometheus");
    assert.match(prometheus?.metadata["query"] ?? "", /rag_worker_queue_jobs\{state="waiting"\}/);
    assert.ok(Number(prometheus?.metadata["threshold"]) > 0);
    // That the gauge counts prioritized jobs: test/fairness/queue-depth.test.ts.
  });

  test("count waiting jobs where BullMQ really keeps them (a Redis list, with QUEUE_FAIRNESS off)", async () => {
    const scaled = find("ScaledObject")["spec"] as { triggers: Array<{ metadata: Record<string, string> }> };
    const listName = scaled.triggers[0]?.metadata["listName"] ?? "";
    const queueName = uniqueQueueName("keda");
    const key = listName.replace(`:${workerConfig().queueName}:`, `:${queueName}:`);
    const producer = new DocumentProducer(redisUrl(), queueName, {
      fairness: { ...FAIRNESS_DEFAULTS, enabled: false },
    });
    const redis = new Redis(redisUrl());
    try {
      for (let i = 0; i < 3; i += 1) {
        await producer.enqueue({ documentId: randomUUID(), workspaceId: randomUUID() });
      }
      assert.equal(await redis.type(key), "list");
      assert.equal(await redis.llen(key), 3);
    } finally {
      await producer.queue.obliterate({ force: true });
      await producer.close();
      redis.disconnect();
    }
  });
});
