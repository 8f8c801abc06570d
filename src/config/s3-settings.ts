import { flag, httpUrlWithoutCredentials, matching, text } from "./readers.js";
import { given, optionalSetting, setting, type Env } from "./setting.js";

/** S3-compatible object storage; credentials come from the AWS SDK's standard chain, not from here. */
export interface S3Settings {
  /** MinIO, Ceph, R2…: their base URL; null for AWS S3 itself. */
  readonly endpoint: string | null;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** rag-corp's S3_ACCESS_KEY/S3_SECRET_KEY; null: the AWS SDK's credential chain. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | null;
}

const endpointUrl = httpUrlWithoutCredentials("the AWS credential chain supplies them");

/** How `s3://` storage reaches its server, with rag-corp's names for the same things. */
export const S3_SETTINGS = {
  endpoint: optionalSetting("S3_ENDPOINT", endpointUrl, {
    defaultText: "none (AWS S3)",
    describe:
      "`s3://`: base URL of an S3-compatible server (MinIO `http://minio:9000`, Ceph, R2); no credentials in it",
  }),
  endpointUrl: optionalSetting("S3_ENDPOINT_URL", endpointUrl, {
    describe:
      "rag-corp's name for `S3_ENDPOINT` (which wins when both are set); it also turns on path-style addressing",
  }),
  region: setting("S3_REGION", matching(/^[a-z0-9-]{1,64}$/, "a region name such as us-east-1 (R2: auto)"), {
    // The SDK's own variable is the natural fallback; us-east-1 is what S3-compatible servers expect.
    default: (env) => given(env, "AWS_REGION") ?? "us-east-1",
    defaultText: "`AWS_REGION`, else `us-east-1`",
    describe: "`s3://`: the signing region (R2: `auto`)",
  }),
  awsRegion: optionalSetting("AWS_REGION", text("a region name"), {
    describe: "the AWS SDK's region variable: `S3_REGION`'s default",
  }),
  forcePathStyle: setting("S3_FORCE_PATH_STYLE", flag, {
    // S3-compatible servers behind rag-corp's S3_ENDPOINT_URL (MinIO) want path-style addressing.
    default: (env) =>
      given(env, "S3_ENDPOINT") === null && given(env, "S3_ENDPOINT_URL") !== null ? "1" : "0",
    defaultText: "`1` with `S3_ENDPOINT_URL`, else `0`",
    describe:
      "`s3://`: `1` for `ENDPOINT/BUCKET/key` instead of `BUCKET.ENDPOINT/key` (MinIO and most self-hosted servers)",
  }),
  bucket: optionalSetting("S3_BUCKET", text("a bucket name"), {
    describe:
      "rag-corp's storage: with `S3_ACCESS_KEY` and `S3_SECRET_KEY` also set and no `STORAGE_URL`, storage is `s3://S3_BUCKET`",
  }),
  accessKey: optionalSetting("S3_ACCESS_KEY", text("an access key id"), {
    describe: "rag-corp's storage credentials (with `S3_SECRET_KEY`); unset: the AWS SDK's credential chain",
  }),
  secretKey: optionalSetting("S3_SECRET_KEY", text("a secret access key"), {
    describe: "the secret of `S3_ACCESS_KEY`; never logged",
  }),
};

export function readS3Settings(env: Env): S3Settings {
  const accessKeyId = S3_SETTINGS.accessKey.read(env);
  const secretAccessKey = S3_SETTINGS.secretKey.read(env);
  return {
    // rag-corp's name is read only when ragworker's own is unset.
    endpoint: S3_SETTINGS.endpoint.read(env) ?? S3_SETTINGS.endpointUrl.read(env),
    region: S3_SETTINGS.region.read(env),
    forcePathStyle: S3_SETTINGS.forcePathStyle.read(env),
    credentials: accessKeyId !== null && secretAccessKey !== null ? { accessKeyId, secretAccessKey } : null,
  };
}

/** S3 storage with nothing set: AWS S3 itself, us-east-1, virtual-hosted style, the SDK's chain. */
export const S3_DEFAULTS: S3Settings = readS3Settings({});
