/**
 * The Dockerfile, without a Docker engine: its promises are read from the file, and its stages
 * are replayed (the same COPY and RUN commands) in clean directories, then the runtime stage's
 * files run the real worker, answer the HEALTHCHECK command and drain on SIGTERM.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "../support/bounded-test.js";
import { parseDockerfile, replayDockerfile, type DockerStage } from "../support/dockerfile-steps.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess } from "../support/worker-process.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/**
 * The runtime stage's node_modules: 374 MB with onnxruntime-node for every platform, 131 MB pruned;
 * 163 MB with Bull Board and the OpenTelemetry SDK (its semantic conventions alone 10 MB).
 */
const RUNTIME_NODE_MODULES_MAX_BYTES = 175 * 1024 * 1024;

/** Bytes of the regular files under a directory (their apparent size, as `du --apparent-size`). */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await lstat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

describe("Dockerfile", () => {
  let stages: DockerStage[];
  before(async () => {
    stages = parseDockerfile(await readFile(join(ROOT, "Dockerfile"), "utf8"));
  });

  const instructions = (stage: DockerStage | undefined, keyword: string) =>
    (stage?.instructions ?? []).filter((entry) => entry.keyword === keyword).map((entry) => entry.args);

  test("is multi-stage, with production dependencies only in the runtime stage", () => {
    assert.equal(stages.length, 2);
    const [build, runtime] = stages;
    assert.ok(instructions(build, "RUN").some((args) => /npm ci\b/.test(args) && !/--omit=dev/.test(args)));
    assert.ok(instructions(build, "RUN").some((args) => /npm run build/.test(args)));
    assert.ok(instructions(runtime, "RUN").some((args) => /npm ci --omit=dev/.test(args)));
    // The replay keeps the machine's npm cache (test/support/dockerfile-steps.ts); the image must not.
    assert.ok(
      instructions(runtime, "RUN").some((args) => /npm ci --omit=dev.*&& npm cache clean --force/.test(args)),
    );
    assert.ok(instructions(runtime, "COPY").some((args) => args.startsWith(`--from=${build?.name}`)));
  });

  test("builds both stages on the Node line the tests run on, one that engines supports", async () => {
    // scripts/node-runtime.sh's first line is the Active LTS that CI runs the suite on.
    const lines = spawnSync("bash", [join(ROOT, "scripts/node-runtime.sh"), "lines"], {
      encoding: "utf8",
      timeout: 10_000,
    });
    assert.equal(lines.status, 0, lines.stderr);
    const major = lines.stdout.trim().split("\n")[0];
    assert.deepEqual(
      stages.map((stage) => stage.from),
      [`node:${major}-bookworm-slim`, `node:${major}-bookworm-slim`],
    );
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      engines: { node: string };
    };
    const ranges = pkg.engines.node.split("||").map((range) => range.trim());
    assert.ok(
      ranges.some((range) => range.startsWith(`^${major}.`)),
      `engines.node ${pkg.engines.node}`,
    );
  });

  test("runs as a non-root user, exposes 8001, stops with SIGTERM, checks health with ragworker health", () => {
    const runtime = stages.at(-1);
    assert.deepEqual(instructions(runtime, "USER"), ["node"]);
    assert.deepEqual(instructions(runtime, "EXPOSE"), ["8001"]);
    assert.deepEqual(instructions(runtime, "STOPSIGNAL"), ["SIGTERM"]);
    const [healthcheck] = instructions(runtime, "HEALTHCHECK");
    assert.match(healthcheck ?? "", /CMD \["node", "dist\/cli\/main\.js", "health"\]/);
    // Exec form: node is PID 1 and gets the orchestrator's SIGTERM itself (no shell in between).
    assert.match(instructions(runtime, "ENTRYPOINT")[0] ?? "", /^\["node", "dist\/cli\/main\.js"\]$/);
    assert.deepEqual(instructions(runtime, "CMD"), ['["start"]']);
  });

  test("installs the Debian packages the threads run from the list services.sh installs", async () => {
    const runtime = stages.at(-1);
    assert.ok(
      instructions(runtime, "COPY").includes("scripts/runtime-packages.txt /tmp/runtime-packages.txt"),
    );
    const apt = instructions(runtime, "RUN").find((args) => args.startsWith("apt-get update"));
    assert.match(
      apt ?? "",
      /\/tmp\/runtime-packages\.txt\s+\| xargs apt-get install -y --no-install-recommends/,
    );
    assert.match(apt ?? "", /rm -rf \/var\/lib\/apt\/lists\/\*/);
    const packages = (await readFile(join(ROOT, "scripts/runtime-packages.txt"), "utf8"))
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter((line) => line !== "");
    assert.ok(packages.includes("tesseract-ocr-spa"), packages.join(" "));
    // The replay below skips that step: the machine has the same packages, as the image would.
    for (const name of packages) {
      const status = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], {
        encoding: "utf8",
        timeout: 10_000,
      });
      assert.match(status.stdout, /install ok installed/, `${name} (bash scripts/services.sh runtime-tools)`);
    }
  });

  describe("replayed in clean directories", () => {
    let roots: Map<string, string>;
    let env: TestEnvironment;

    // `npm ci` twice and a build: 65-130 s in a full run, 236 s on a loaded machine.
    before(
      async () => {
        roots = await replayDockerfile(ROOT);
        env = await createTestEnvironment("docker", { embeddingDim: 16 });
      },
      { timeout: 480_000 },
    );
    after(async () => {
      await env.close();
      for (const dir of roots?.values() ?? []) await rm(dir, { recursive: true, force: true });
    });

    test("the runtime stage has the build output and no dev dependencies", () => {
      const runtime = roots.get("runtime") ?? "";
      assert.ok(existsSync(join(runtime, "dist/cli/main.js")));
      assert.ok(existsSync(join(runtime, "dist/threads/thread-entry.js")));
      assert.ok(existsSync(join(runtime, "node_modules/bullmq")));
      assert.equal(existsSync(join(runtime, "node_modules/typescript")), false);
      assert.equal(existsSync(join(runtime, "node_modules/eslint")), false);
      assert.equal(existsSync(join(runtime, "src")), false);
    });

    test("the runtime stage keeps onnxruntime-node's binaries for its own platform only", async () => {
      const bin = join(roots.get("runtime") ?? "", "node_modules/onnxruntime-node/bin");
      const platforms = (await readdir(bin, { recursive: true }))
        .filter((path) => path.split("/").length === 3)
        .sort();
      assert.deepEqual(platforms, [`napi-v6/${process.platform}/${process.arch}`]);
      const bytes = await treeBytes(join(roots.get("runtime") ?? "", "node_modules"));
      assert.ok(
        bytes < RUNTIME_NODE_MODULES_MAX_BYTES,
        `runtime node_modules is ${(bytes / 2 ** 20).toFixed(0)} MB, over ${RUNTIME_NODE_MODULES_MAX_BYTES / 2 ** 20} MB`,
      );
    });

    test("its worker starts, passes the HEALTHCHECK command, processes a document and drains on SIGTERM", async () => {
      const runtime = roots.get("runtime") ?? "";
      const cli = join(runtime, "dist/cli/main.js");
      const worker = startWorkerProcess(env.env({ WORKER_THREADS: "1" }), ["start"], cli);
      const listening = await worker.waitForLog((line) => line.message === "ops server listening");
      const port = String(listening["port"]);

      const health = spawnSync(process.execPath, [cli, "health"], {
        env: { ...env.env(), WORKER_HTTP_PORT: port },
        encoding: "utf8",
        timeout: 10_000,
      });
      assert.equal(health.status, 0, health.stdout + health.stderr);
      assert.equal((JSON.parse(health.stdout) as { ok: boolean }).ok, true);

      const { documentId, workspaceId } = await env.insertDocument({
        bytes: "Hello from the image.",
        fileName: "a.txt",
      });
      const outcome = await env.finished(await env.enqueue({ documentId, workspaceId }));
      assert.deepEqual(outcome, { state: "completed", value: { status: "READY", chunksCreated: 1 } });

      assert.equal(await worker.stop("SIGTERM"), 0);
    });
  });
});
