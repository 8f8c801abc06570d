import { storagePathFromUrl } from "../storage/create-storage.js";
import { parseS3Url } from "../storage/s3-location.js";
import { acceptedBy } from "./readers.js";
import { S3_SETTINGS } from "./s3-settings.js";
import { setting } from "./setting.js";

const storageUrl = acceptedBy(
  (value) => (value.startsWith("s3://") ? parseS3Url(value) : storagePathFromUrl(value)),
  "a file:///absolute/dir, file://./relative/dir or s3://bucket[/prefix] URL",
);

/** Where a document's `storage_key` resolves. */
export const STORAGE_URL = setting("STORAGE_URL", storageUrl, {
  // rag-corp turns storage on when S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY are all set; then the
  // bucket is the default (its keys, `documents/<id>/<name>`, are used as they are).
  default: (env) => {
    const bucket = S3_SETTINGS.bucket.read(env);
    const keys = S3_SETTINGS.accessKey.read(env) !== null && S3_SETTINGS.secretKey.read(env) !== null;
    return bucket !== null && keys ? `s3://${bucket}` : "file://./data/uploads";
  },
  defaultText: "`file://./data/uploads`, or `s3://S3_BUCKET`",
  describe:
    'where `storage_key` resolves: `file://DIR` or `s3://BUCKET[/prefix]` (see "Object storage"); keys that escape the directory are refused',
});
