import {
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { maskUrl } from "../config/mask-url.js";
import { PermanentError } from "../errors/permanent-error.js";
import { RagworkerError } from "../errors/ragworker-error.js";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.js";
import type { S3Location } from "./s3-location.js";
import { unsafeKeyReason } from "./s3-location.js";
import type { Storage } from "./storage.js";

export interface S3StorageOptions extends S3Location {
  /** MinIO, Ceph, R2…: their base URL; null for AWS S3 itself. */
  readonly endpoint: string | null;
  readonly region: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO and most self-hosted servers). */
  readonly forcePathStyle: boolean;
  /** Tests pass keys; deployments leave this out and the SDK's credential chain finds them. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly connectionTimeoutMs?: number;
  /** A socket silent this long (no headers, or a stalled body) is given up. */
  readonly socketTimeoutMs?: number;
  /** Tries per request inside the SDK, before the job's own retries take over. */
  readonly maxAttempts?: number;
}

// A stopped or unreachable server must fail a read within seconds, so the job is handed back and
// the storage circuit opens instead of a thread being held: a short connect timeout, few SDK attempts.
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_ATTEMPTS = 3;

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function tooLarge(key: string, size: number, maxBytes: number, exact: boolean): PermanentError {
  const shown = exact ? `${size} bytes` : `more than ${maxBytes} bytes`;
  return new PermanentError("FILE_TOO_LARGE", `file too large: ${shown}, limit ${maxBytes}`, {
    key,
    size,
    maxBytes,
  });
}

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2), under an optional key prefix.
 * A missing object fails for good; an unreachable, slow, failing or refusing server is an outage
 * (DependencyUnavailableError): the job goes back without spending an attempt. Credentials come
 * from the SDK's standard chain (environment, profile, web identity, instance or container role).
 */
export class S3Storage implements Storage {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    const where = `s3://${options.bucket}${options.prefix ? `/${options.prefix}` : ""}`;
    this.description = options.endpoint ? `${where} at ${maskUrl(options.endpoint)}` : where;
    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
        socketTimeout: options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
      },
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    };
    this.client = new S3Client(config);
  }

  private objectKey(key: string): string {
    const objectKey = this.prefix ? `${this.prefix}/${key}` : key;
    const reason = unsafeKeyReason(key) ?? unsafeKeyReason(objectKey);
    if (reason !== null) {
      throw new PermanentError("STORAGE_KEY_REJECTED", `storage key rejected (${reason}): ${key}`, { key });
    }
    return objectKey;
  }

  async read(key: string, maxBytes: number): Promise<Uint8Array> {
    const objectKey = this.objectKey(key);
    // Aborting frees the connection when the body is refused half-way (too large).
    const abort = new AbortController();
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: abort.signal,
      });
      const declared = response.ContentLength;
      if (declared !== undefined && declared > maxBytes) throw tooLarge(key, declared, maxBytes, true);
      const body = response.Body;
      if (!body) return new Uint8Array();
      // The declared length is checked above; the bytes are counted too, since a chunked answer
      // declares none.
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const part of body as AsyncIterable<Uint8Array>) {
        size += part.byteLength;
        if (size > maxBytes) throw tooLarge(key, size, maxBytes, false);
        parts.push(part);
      }
      return new Uint8Array(Buffer.concat(parts, size));
    } catch (error) {
      abort.abort();
      throw this.classify(error, key, "read");
    }
  }

  /** The supervisor's probe while the storage circuit is open: the bucket answers to these credentials. */
  async probe(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw this.classify(error, "(bucket)", "probe");
    }
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Body: bytes,
          ContentLength: bytes.byteLength,
        }),
      );
    } catch (error) {
      throw this.classify(error, key, "write");
    }
  }

  /** Closes the client's idle connections. */
  close(): void {
    this.client.destroy();
  }

  private classify(error: unknown, key: string, operation: "read" | "write" | "probe"): RagworkerError {
    if (error instanceof RagworkerError) return error;
    const status = statusOf(error);
    const name = errorName(error);
    // A missing bucket is a deployment mistake, not this document's: it stays retryable (below).
    if (operation === "read" && (error instanceof NoSuchKey || (status === 404 && name !== "NoSuchBucket"))) {
      return new PermanentError(
        "STORAGE_NOT_FOUND",
        `object not found: ${key}`,
        { key, bucket: this.bucket },
        { cause: error },
      );
    }
    // Network errors, timeouts, 5xx and throttling, and also refused credentials or a wrong
    // bucket: all of these are the deployment's, fixed without touching the document, so the job
    // goes back to the queue without spending an attempt and the storage circuit opens.
    const credentialsRejected = status === 401 || status === 403;
    return new DependencyUnavailableError(
      "storage",
      "STORAGE_UNAVAILABLE",
      `cannot ${operation} ${key} in ${this.description}: ${credentialsRejected ? "access denied (credentials?): " : ""}${name}: ${errorText(error)}`,
      {
        credentialsRejected,
        context: { key, bucket: this.bucket, errorName: name, ...(status === undefined ? {} : { status }) },
      },
      { cause: error },
    );
  }
}
