/**
 * The Node.js the suite runs on is one that package.json's engines supports (CI runs the suite on
 * each line scripts/node-runtime.sh fetches), and the native modules load on it: onnxruntime-node
 * (N-API binding and libonnxruntime, a session on the tiny fixture model) and msgpackr-extract
 * (BullMQ's msgpack, through msgpackr's native acceleration).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isNativeAccelerationEnabled } from "msgpackr";
import * as ort from "onnxruntime-node";
import { describe, it } from "../support/bounded-test.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MODEL = join(ROOT, "test/fixtures/tiny-bert/onnx/model.onnx");

function runtimeScript(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // The node running this test first on PATH, as scripts/test.sh and .ci/run arrange.
  const PATH = [dirname(process.execPath), process.env["PATH"] ?? ""].join(delimiter);
  return spawnSync("bash", [join(ROOT, "scripts/node-runtime.sh"), ...args], {
    cwd: ROOT,
    env: { ...process.env, PATH },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("the Node.js runtime", () => {
  it("is a release line that package.json's engines names and scripts/node-runtime.sh fetches", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      engines: { node: string };
    };
    const major = process.versions.node.split(".")[0] ?? "";
    const ranges = pkg.engines.node.split("||").map((range) => range.trim());
    assert.ok(
      ranges.some((range) => range.startsWith(`^${major}.`)),
      `node ${process.versions.node} is not in engines.node (${pkg.engines.node})`,
    );
    const supported = runtimeScript(["supported"]);
    assert.equal(supported.status, 0, `node-runtime.sh supported: ${supported.stderr}`);
    const lines = runtimeScript(["lines"]);
    assert.equal(lines.status, 0, lines.stderr);
    const fetched = lines.stdout.trim().split("\n");
    assert.ok(fetched.includes(major), `node-runtime.sh fetches ${fetched.join(", ")}, not ${major}`);
    // Every fetched line is one engines supports, and the other way round.
    assert.deepEqual(
      [...fetched].sort(),
      ranges.map((range) => /^\^(\d+)\./.exec(range)?.[1] ?? range).sort(),
    );
  });

  it("refuses a line it does not support", () => {
    const unsupported = runtimeScript(["bin", "20"]);
    assert.equal(unsupported.status, 1);
    assert.match(unsupported.stderr, /Node 20 is not a supported line/);
  });

  it("loads onnxruntime-node's native binding and runs the tiny model", async () => {
    const session = await ort.InferenceSession.create(MODEL);
    try {
      assert.deepEqual([...session.inputNames].sort(), ["attention_mask", "input_ids", "token_type_ids"]);
      const ids = new ort.Tensor("int64", BigInt64Array.from([101n, 102n]), [1, 2]);
      const mask = new ort.Tensor("int64", BigInt64Array.from([1n, 1n]), [1, 2]);
      const types = new ort.Tensor("int64", BigInt64Array.from([0n, 0n]), [1, 2]);
      const output = await session.run({ input_ids: ids, attention_mask: mask, token_type_ids: types });
      const first = output[session.outputNames[0] ?? ""];
      assert.ok(first, "the model returned its first output");
      assert.equal(first.dims[0], 1);
      assert.equal(first.dims[1], 2);
    } finally {
      await session.release();
    }
  });

  it("loads msgpackr-extract, so BullMQ's msgpack runs natively", () => {
    const extract = createRequire(join(ROOT, "node_modules/msgpackr/package.json"))("msgpackr-extract") as {
      extractStrings?: unknown;
    };
    assert.equal(typeof extract.extractStrings, "function");
    assert.equal(isNativeAccelerationEnabled, true);
  });
});
