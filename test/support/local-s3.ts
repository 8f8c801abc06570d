/**
 * An S3-compatible server of the test's own (s3rver) on a loopback port, storing objects in a
 * temporary directory. It can be stopped and started again on the same port and directory, so a
 * test can take object storage away from a running worker and give it back with its objects, or
 * made to refuse every request with S3's 403 AccessDenied (credentials revoked) and then accept
 * them again.
 */
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { S3Storage } from "../../src/storage/s3-storage.js";
import { closeServer, listen as listenOn } from "./waits.js";

// s3rver's built-in account: it checks request signatures against these.
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** S3's own answer to a request whose credentials it refuses. */
const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

export interface LocalS3 {
  readonly endpoint: string;
  readonly port: number;
  readonly bucket: string;
  /** Where s3rver keeps the buckets' objects. */
  readonly directory: string;
  /** The worker's variables for this server: STORAGE_URL, S3_* and the credential chain's AWS_*. */
  env(prefix?: string): Record<string, string>;
  /** An S3Storage on this server, as the worker would build it from `env(prefix)`. */
  storage(prefix?: string): S3Storage;
  /** Stops answering: the port is closed and every open connection cut. */
  stop(): Promise<void>;
  /** Serves again on the same port, from the same directory. */
  start(): Promise<void>;
  /** While on, every request is answered 403 AccessDenied, as S3 answers revoked or wrong keys. */
  deny(on: boolean): void;
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

export async function startLocalS3(bucket = "ragworker-test"): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), "ragworker-s3-"));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const handler = s3rver.callback();
  let denied = false;
  // Our own HTTP server around s3rver's handler, so stopping can also cut kept-alive connections
  // and denying can answer before s3rver sees the request.
  let server: Server | null = null;
  const listen = async (port: number): Promise<number> => {
    const started = createServer((request, response) => {
      if (!denied) {
        handler(request, response);
        return;
      }
      request.resume();
      response.writeHead(403, { "content-type": "application/xml" });
      response.end(ACCESS_DENIED);
    });
    const bound = await listenOn(started, port);
    server = started;
    return bound;
  };
  const port = await listen(0);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    const running = server;
    if (!running) return;
    server = null;
    await closeServer(running, `local S3 on port ${port} to close`);
  };
  return {
    endpoint,
    port,
    bucket,
    directory,
    env: (prefix = "") => ({
      STORAGE_URL: `s3://${bucket}${prefix ? `/${prefix}` : ""}`,
      S3_ENDPOINT: endpoint,
      S3_REGION: "us-east-1",
      S3_FORCE_PATH_STYLE: "1",
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    }),
    storage: (prefix = "") =>
      new S3Storage({
        bucket,
        prefix,
        endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: LOCAL_S3_CREDENTIALS,
      }),
    stop,
    deny(on) {
      denied = on;
    },
    async start() {
      if (server) throw new Error(`local S3 on port ${port} is already running`);
      await listen(port);
    },
    async close() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
