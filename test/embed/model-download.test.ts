/** Model download from a hub, against a local server laid out like the Hugging Face hub. */
import assert from "node:assert/strict";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "../support/bounded-test.js";
import { downloadModel } from "../../src/models/model-download.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import { startFakeHub, TINY_BERT } from "../support/fake-hub.js";

describe("downloadModel", () => {
  let hub: Awaited<ReturnType<typeof startFakeHub>>;
  let cacheDir: string;
  before(async () => {
    hub = await startFakeHub(["acme/tiny-bert"]);
    cacheDir = await mkdtemp(join(tmpdir(), "ragworker-models-"));
  });
  after(async () => {
    await hub.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  test("fetches the model's files into the cache once, byte for byte", async () => {
    const dir = await downloadModel({ modelId: "acme/tiny-bert", cacheDir, endpoint: hub.endpoint });
    assert.equal(dir, join(cacheDir, "acme/tiny-bert"));
    for (const file of ["config.json", "tokenizer.json", "onnx/model.onnx", "1_Pooling/config.json"]) {
      assert.deepEqual(await readFile(join(dir, file)), await readFile(join(TINY_BERT, file)), file);
    }
    const before = hub.requests.length;
    await downloadModel({ modelId: "acme/tiny-bert", cacheDir, endpoint: hub.endpoint });
    // Optional files the repository does not have are asked for again; required ones are cached.
    assert.ok(
      hub.requests.slice(before).every((url) => !/model\.onnx|tokenizer\.json$|\/config\.json$/.test(url)),
    );
  });

  test("EMBEDDING_ONNX_FILE's weights are the ones fetched, not onnx/model.onnx", async () => {
    const before = hub.requests.length;
    await assert.rejects(
      downloadModel({
        modelId: "acme/tiny-bert",
        cacheDir: join(cacheDir, "quantized"),
        endpoint: hub.endpoint,
        onnxFile: "onnx/model_quantized.onnx",
      }),
      (error: unknown) =>
        error instanceof PermanentError &&
        /onnx\/model_quantized\.onnx of acme\/tiny-bert: HTTP 404/.test(error.message),
    );
    const asked = hub.requests.slice(before);
    assert.ok(asked.some((url) => url.endsWith("/onnx/model_quantized.onnx")));
    assert.ok(!asked.some((url) => url.endsWith("/onnx/model.onnx")), "the default weights were not fetched");
  });

  test("an unknown model id is a permanent error naming the missing file", async () => {
    await assert.rejects(
      downloadModel({ modelId: "acme/missing", cacheDir, endpoint: hub.endpoint }),
      (error: unknown) =>
        error instanceof PermanentError && /config\.json of acme\/missing: HTTP 404/.test(error.message),
    );
  });

  test("a model id that would escape the cache is refused without a request", async () => {
    const before = hub.requests.length;
    await assert.rejects(
      downloadModel({ modelId: "../../etc", cacheDir, endpoint: hub.endpoint }),
      (error: unknown) => error instanceof PermanentError,
    );
    assert.equal(hub.requests.length, before);
  });
});
