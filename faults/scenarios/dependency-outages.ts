/**
 * 13 to 16. What the worker depends on besides Redis goes away mid-load and comes back: S3 stopped
 * for 60 s; the embedding service answering 503 for 60 s, then 429 with `Retry-After` for 30 s;
 * PostgreSQL stopped for 60 s; S3 refusing the worker's credentials (403 AccessDenied) for 30 s.
 * 300 documents enqueued with 3 attempts each, as rag-corp's API does; none may fail, none may
 * spend an attempt on the outage (see dependency-outage.ts for the checks and the recovery).
 */
import { startEmbeddingStandIn } from "../../test/support/embedding-stand-in.js";
import { startLocalS3, type LocalS3 } from "../../test/support/local-s3.js";
import type { TestEnvironment } from "../../test/support/test-environment.js";
import { loadDocuments } from "../fault-load.js";
import {
  createScenarioEnvironment,
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
} from "../scenario.js";
import {
  API_ATTEMPTS,
  OUTAGE_PROBE_ENV,
  runDependencyOutage,
  type DependencyOutage,
} from "./dependency-outage.js";
import { startWorker } from "./worker-under-test.js";

const DOCUMENTS = 300;
/** Large enough that a fifth of the load (`--quick`) is still running when the outage begins. */
const BYTES = 100_000;
const PREFIX = "uploads";
/** The scenario environment's chunks.embedding dimension (createScenarioEnvironment). */
const DIMENSION = 32;

/** A row on documents stored in a local S3 of its own. */
async function onLocalS3(
  context: ScenarioContext,
  name: string,
  label: string,
  seed: number,
  outage: (s3: LocalS3) => DependencyOutage,
): Promise<ScenarioResult> {
  const env = await createScenarioEnvironment(label);
  const s3 = await startLocalS3();
  const storage = s3.storage(PREFIX);
  try {
    const documents = await loadDocuments(env, {
      count: Math.ceil(DOCUMENTS * context.scale),
      bytes: BYTES,
      seed,
      storage,
      attempts: API_ATTEMPTS,
    });
    const worker = await startWorker(env, { ...s3.env(PREFIX), ...OUTAGE_PROBE_ENV });
    return await runDependencyOutage({ context, name, env, documents, worker, outage: outage(s3) });
  } finally {
    storage.close();
    await s3.close();
    await env.close();
  }
}

/** A row on the file storage and the hash embedder, as the other rows run. */
async function onDefaults(
  context: ScenarioContext,
  name: string,
  env: TestEnvironment,
  seed: number,
  workerEnv: Record<string, string>,
  outage: DependencyOutage,
): Promise<ScenarioResult> {
  const documents = await loadDocuments(env, {
    count: Math.ceil(DOCUMENTS * context.scale),
    bytes: BYTES,
    seed,
    attempts: API_ATTEMPTS,
  });
  const worker = await startWorker(env, { ...workerEnv, ...OUTAGE_PROBE_ENV });
  return runDependencyOutage({ context, name, env, documents, worker, outage });
}

export const s3Stopped: Scenario = {
  name: "13. S3 stopped 60 s mid-load",
  run(context) {
    return onLocalS3(context, this.name, "s3-stopped", 13, (s3) => ({
      dependency: "storage",
      credentialsRejected: false,
      phases: [{ what: "S3 stopped", ms: 60_000, enter: () => s3.stop() }],
      end: () => s3.start(),
    }));
  },
};

export const embeddingOutage: Scenario = {
  name: "14. embedding service 503 for 60 s, then 429 with Retry-After for 30 s",
  async run(context) {
    const env = await createScenarioEnvironment("embedding-outage");
    const service = await startEmbeddingStandIn(DIMENSION, { retryAfterSeconds: 1 });
    try {
      const result = await onDefaults(context, this.name, env, 14, service.env(), {
        dependency: "embedding",
        credentialsRejected: false,
        phases: [
          {
            what: "embedding service answering 503",
            ms: 60_000,
            enter: () => {
              service.mode = "unavailable";
            },
          },
          {
            what: "embedding service answering 429 with Retry-After: 1",
            ms: 30_000,
            enter: () => {
              service.mode = "throttled";
            },
          },
        ],
        end: () => {
          service.mode = "ok";
        },
      });
      const { unavailable, throttled } = service.answered;
      return {
        ...result,
        notes: [
          ...result.notes,
          `the stand-in answered ${unavailable} requests with 503 and ${throttled} with 429`,
        ],
      };
    } finally {
      await service.close();
      await env.close();
    }
  },
};

export const postgresStopped: Scenario = {
  name: "15. PostgreSQL stopped 60 s mid-load",
  async run(context) {
    const { services } = context;
    const env = await createScenarioEnvironment("postgres-stopped");
    try {
      return await onDefaults(
        context,
        this.name,
        env,
        15,
        {},
        {
          dependency: "database",
          credentialsRejected: false,
          phases: [{ what: "PostgreSQL stopped", ms: 60_000, enter: () => services.stopPostgres() }],
          end: () => services.startPostgres(),
        },
      );
    } finally {
      // After a failure mid-outage too: the next scenarios need it (a no-op when it runs).
      await services.startPostgres();
      await env.close();
    }
  },
};

export const s3Denied: Scenario = {
  name: "16. S3 answering 403 for 30 s (bad credentials), then fixed",
  run(context) {
    return onLocalS3(context, this.name, "s3-denied", 16, (s3) => ({
      dependency: "storage",
      credentialsRejected: true,
      phases: [{ what: "S3 answering 403 AccessDenied", ms: 30_000, enter: () => s3.deny(true) }],
      end: () => s3.deny(false),
    }));
  },
};
