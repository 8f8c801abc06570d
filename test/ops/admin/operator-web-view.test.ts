/**
 * The operator web view in a real browser: Debian's Chromium (headless, driven by playwright-core)
 * against the real worker process. It logs in with an admin key, watches a running document's
 * stage change on /admin/worker as the page refreshes itself, retries a failed job from the page
 * and watches it end READY, and opens Bull Board. With UPDATE_SCREENSHOTS=1 its screenshots
 * replace those the README shows (docs/screenshots/); otherwise they go to a temporary directory.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { after, before, describe, test } from "../../support/bounded-test.js";
import { recordingServers, sendJson } from "../../support/recording-server.js";
import { launchSystemChromium, type SystemChromium } from "../../support/system-chromium.js";
import { createTestEnvironment, type TestEnvironment } from "../../support/test-environment.js";
import { paragraphsOfText } from "../../support/text.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../../support/worker-process.js";
import { EMBEDDER_PROBE_TEXT } from "../../../src/protocol/thread-protocol.js";

const DIMENSION = 32;
/** How long the paced embedding service takes over each batch once released. */
const BATCH_MS = 300;
/** Page waits: the page refreshes every second; a loaded machine gets ample slack. */
const PAGE_WAIT_MS = 30_000;

const SCREENSHOT_DIR = fileURLToPath(new URL("../../../docs/screenshots/", import.meta.url));

/**
 * An OpenAI-compatible embedding service whose document batches wait while it is held and then
 * take BATCH_MS each (one at a time), so a document stays in its embedding stage long enough to
 * be watched. The threads' start-up probe is answered at once.
 */
async function startPacedEmbeddingService() {
  const servers = recordingServers("a paced embedding service");
  let held = true;
  let chain: Promise<void> = Promise.resolve();
  const releaseWaiters: Array<() => void> = [];
  const server = await servers.start((request, _count, response) => {
    const body = JSON.parse(request.body) as { input: string[]; model: string };
    const answer = () => {
      const data = body.input.map((text, index) => ({
        index,
        embedding: Array.from({ length: DIMENSION }, (_, i) => ((text.length * (i + 1)) % 89) / 89 + 0.01),
      }));
      sendJson(response, 200, { object: "list", data, model: body.model });
    };
    if (body.input.length === 1 && body.input[0] === EMBEDDER_PROBE_TEXT) {
      answer();
      return;
    }
    const released = held ? new Promise<void>((resolve) => releaseWaiters.push(resolve)) : Promise.resolve();
    chain = chain
      .then(() => released)
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, BATCH_MS)))
      .then(answer);
  });
  return {
    env: () => ({ EMBEDDING_PROVIDER: "openai", EMBEDDING_URL: server.url, EMBEDDING_MODEL: "paced-embed" }),
    release() {
      held = false;
      for (const resolve of releaseWaiters.splice(0)) resolve();
    },
    close: () => servers.closeAll(),
  };
}

/** About 30 chunks at 900 characters: enough batches for the embedding stage to be watched. */
const HANDBOOK_BYTES = 24_000;

async function screenshot(page: Page, name: string): Promise<string> {
  const update = process.env["UPDATE_SCREENSHOTS"] === "1";
  const directory = update ? SCREENSHOT_DIR : await mkdtemp(join(tmpdir(), "ragworker-screenshots-"));
  await mkdir(directory, { recursive: true });
  const path = join(directory, name);
  await page.screenshot({ path, fullPage: true });
  const png = await readFile(path);
  // A PNG that is not blank: its signature, and more bytes than an empty page compresses to.
  assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
  assert.ok(png.length > 10_000, `${name} is ${png.length} bytes: a blank page?`);
  if (!update) await rm(directory, { recursive: true, force: true });
  return path;
}

describe("the operator web view in Chromium, on the real worker", () => {
  const adminKey = `admin-${randomBytes(16).toString("hex")}`;
  let environment: TestEnvironment;
  let embedding: Awaited<ReturnType<typeof startPacedEmbeddingService>>;
  let worker: WorkerProcess;
  let chromium: SystemChromium;
  let context: BrowserContext;
  let page: Page;
  let base: string;

  before(async () => {
    // First, so a machine without Debian's chromium fails here, naming the package.
    chromium = await launchSystemChromium();
    environment = await createTestEnvironment("operator_view", { embeddingDim: DIMENSION });
    embedding = await startPacedEmbeddingService();
    worker = startWorkerProcess(
      environment.env({
        ...embedding.env(),
        API_KEYS_CONFIG: JSON.stringify({ [adminKey]: ["admin"] }),
        WORKER_THREADS: "2",
        EMBEDDING_BATCH_SIZE: "2",
        EMBEDDING_MAX_CONCURRENCY: "1",
        RECONCILE_INTERVAL_MS: "1000",
        LOG_LEVEL: "info",
      }),
    );
    base = `http://127.0.0.1:${await waitUntilServing(worker, 2)}`;
    context = await chromium.browser.newContext({
      httpCredentials: { username: "operator", password: adminKey },
      viewport: { width: 1280, height: 720 },
    });
    page = await context.newPage();
  });

  after(async () => {
    await context?.close();
    await chromium?.close();
    await worker?.stop();
    await embedding?.close();
    await environment?.close();
  });

  test("logs in: no key is refused with a challenge, the admin key opens the page with both threads idle", async () => {
    // Without credentials headless Chromium cannot show the prompt: the navigation fails, after
    // the server's 401 and its challenge, which is what a person would be asked to answer.
    const anonymous = await chromium.browser.newContext();
    try {
      const anonymousPage = await anonymous.newPage();
      const challenged = anonymousPage.waitForResponse(`${base}/admin/worker`, { timeout: PAGE_WAIT_MS });
      await assert.rejects(anonymousPage.goto(`${base}/admin/worker`), /ERR_INVALID_AUTH_CREDENTIALS/);
      const refused = await challenged;
      assert.equal(refused.status(), 401);
      assert.match((await refused.allHeaders())["www-authenticate"] ?? "", /^Basic realm="ragworker admin"/);
    } finally {
      await anonymous.close();
    }
    const opened = await page.goto(`${base}/admin`);
    assert.equal(opened?.status(), 200);
    assert.equal(new URL(page.url()).pathname, "/admin/worker");
    await page
      .locator("[data-summary=threads]", { hasText: "2 threads: 0 busy, 2 idle" })
      .waitFor({ timeout: PAGE_WAIT_MS });
    assert.equal(await page.locator("tr[data-thread-state=idle]").count(), 2);
  });

  test("shows a running document's thread, workspace and job, and its stage change as the page refreshes", async () => {
    const { documentId, workspaceId } = await environment.insertDocument({
      bytes: paragraphsOfText(18, HANDBOOK_BYTES),
      fileName: "handbook.txt",
    });
    const job = await environment.enqueue({ documentId, workspaceId });
    const row = page.locator(`#threads tr.busy[data-document-id="${documentId}"]`);
    // Held in its first embedding batch: a stage before embedding (none reported yet: "starting").
    await row.waitFor({ timeout: PAGE_WAIT_MS });
    const before = await row.locator("td[data-field=stage]").getAttribute("data-stage");
    assert.ok(before !== null && before !== "embedding", `stage before the release: ${before}`);
    assert.match((await row.locator("td[data-field=thread]").textContent()) ?? "", /^\d+$/);
    assert.equal(await row.locator("td[data-field=workspace]").textContent(), workspaceId);
    assert.equal(await row.locator("td[data-field=job]").textContent(), job.id);
    embedding.release();
    const embeddingCell = row.locator('td[data-field=stage][data-stage="embedding"]');
    await embeddingCell.waitFor({ timeout: PAGE_WAIT_MS });
    assert.match((await embeddingCell.textContent()) ?? "", /embedding \d+\/\d+/);
    await screenshot(page, "worker-threads.png");
    const finished = await environment.finished(job);
    assert.equal(finished.state, "completed");
    const value =
      finished.state === "completed" ? (finished.value as { status: string; chunksCreated: number }) : null;
    assert.equal(value?.status, "READY");
    // Enough batches (EMBEDDING_BATCH_SIZE 2, BATCH_MS each) for the stage to be watched.
    assert.ok((value?.chunksCreated ?? 0) >= 10, `chunks: ${value?.chunksCreated}`);
    await row.waitFor({ state: "detached", timeout: PAGE_WAIT_MS });
  });

  test("retries a failed job from the page and watches it end READY", async () => {
    const text = "A policy whose file went missing, then came back.\n\n".repeat(20);
    const { documentId, workspaceId, storageKey } = await environment.insertDocument({
      bytes: text,
      fileName: "policy.txt",
    });
    const file = join(environment.storageDir, storageKey);
    await rm(file);
    const job = await environment.enqueue({ documentId, workspaceId });
    const failed = await environment.finished(job);
    assert.equal(failed.state, "failed");
    const failureRow = page.locator(`#failed tr[data-document-id="${documentId}"]`);
    await failureRow.waitFor({ timeout: PAGE_WAIT_MS });
    assert.equal(await failureRow.locator("td[data-field=code]").textContent(), "STORAGE_NOT_FOUND");
    await screenshot(page, "worker-failures.png");

    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    await failureRow.getByRole("button", { name: "Retry" }).click();
    await page.waitForURL(/\/admin\/worker\?job=.*&outcome=retried$/, { timeout: PAGE_WAIT_MS });
    await page
      .getByRole("status")
      .filter({ hasText: "was sent back to the queue" })
      .waitFor({ timeout: PAGE_WAIT_MS });
    const retried = page.locator(`#retried tr[data-document-id="${documentId}"]`);
    await retried.locator("td[data-field=result]", { hasText: /^READY$/ }).waitFor({ timeout: PAGE_WAIT_MS });
    assert.equal(await retried.locator("td[data-field=state]").textContent(), "completed");
    await failureRow.waitFor({ state: "detached", timeout: PAGE_WAIT_MS });
    assert.equal((await environment.documentRow(documentId))?.status, "READY");
    await screenshot(page, "worker-retried.png");
  });

  test("shows the reconciler's last pass", async () => {
    await page
      .locator("#reconciler [data-field=state]", { hasText: "this replica leads" })
      .waitFor({ timeout: PAGE_WAIT_MS });
    await page.locator("#reconciler [data-field=at]").waitFor({ timeout: PAGE_WAIT_MS });
    assert.match(
      (await page.locator("#reconciler [data-field=found]").textContent()) ?? "",
      /PENDING without a job/,
    );
  });

  test("Bull Board loads under /admin/queues and lists the worker's queue and its completed jobs", async () => {
    const opened = await page.goto(`${base}/admin/queues`);
    assert.equal(opened?.status(), 200);
    await page.getByText(environment.queueName).first().waitFor({ timeout: PAGE_WAIT_MS });
    await page.goto(
      `${base}/admin/queues/queue/${encodeURIComponent(environment.queueName)}?status=completed`,
    );
    // Both documents of the tests above, as Bull Board's job cards.
    await page.getByText("process-document").nth(1).waitFor({ timeout: PAGE_WAIT_MS });
    await screenshot(page, "bull-board.png");
  });
});
