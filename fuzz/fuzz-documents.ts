/**
 * Feeds mutated documents of every supported format through a real worker process (real Redis,
 * PostgreSQL and Piscina pool) and checks that each one ends READY or FAILED with a reason, that
 * the supervisor never exits or restarts, and that the pool has as many live threads at the end
 * as at the start. Not part of `npm test`: it takes minutes.
 *
 *   npm run fuzz [-- --count 1000 --seed 1 --threads 2]
 *
 * Valid seed files are generated here (and read from test/fixtures/fidelity/ when it exists);
 * each fuzzed file is one seed with 1 to 3 mutations: bit flips, truncation, a header spliced in
 * from another format, random bytes inserted, a range zeroed or a range duplicated. The PRNG is
 * seeded, so `--seed S --count N` always gives the same files. Files that break an invariant are
 * copied to data/fuzz/<seed>/ to reproduce, with those that killed a thread. Issue 17's hostile
 * files (a 50,000 × 50,000 image, a 10,000-page TIFF, 2,000 pages without text, a corrupt image, an
 * e-mail nested 100 deep, an EPUB zip bomb) also run once unmutated, each expected to end FAILED
 * with its own code; any other end is an anomaly.
 */
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { makeDocx, makeEncryptedPdf, makePdf, makeZip, tinyPng } from "../test/support/document-fixtures.js";
import { scrapeMetric } from "../test/support/metrics-samples.js";
import { createTestEnvironment } from "../test/support/test-environment.js";
import { startWorkerProcess, waitUntilServing } from "../test/support/worker-process.js";
import { seededSource } from "../test/support/seeded-random.js";
import {
  manyPageTiff,
  mixedPdf,
  multiPageTiff,
  pngDeclaring,
  textPagePng,
} from "../test/support/ocr-fixtures.js";
import { makeEpubBomb, makeNestedEmail } from "../test/support/format-fixtures.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    threads: { type: "string", default: "2" },
    "timeout-ms": { type: "string", default: "30000" },
  },
});
const COUNT = positiveInteger(values.count, "--count");
const SEED = positiveInteger(values.seed, "--seed");
const THREADS = positiveInteger(values.threads, "--threads");
const DOCUMENT_TIMEOUT_MS = positiveInteger(values["timeout-ms"], "--timeout-ms");
const FIDELITY_DIR = new URL("../test/fixtures/fidelity/", import.meta.url);
const FINAL_STATUSES = new Set(["READY", "FAILED"]);

function positiveInteger(raw: string | undefined, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

interface SeedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly mimeType: string | null;
}

const PROSE = [
  "Ingestion turns uploaded files into chunks that a retriever can find.",
  "Each chunk carries the page and the heading path it came from.",
  "Un café à Paris coûte trois euros — naïve façade, smörgåsbord.",
  "Limits keep a hostile file from taking the worker down.",
];

async function seedFiles(): Promise<SeedFile[]> {
  const encoder = new TextEncoder();
  const text = (value: string) => encoder.encode(value);
  const paragraphs = Array.from({ length: 12 }, (_, index) => `${PROSE[index % PROSE.length]} (${index})`);
  const seeds: SeedFile[] = [
    { name: "notes.txt", bytes: text(paragraphs.join("\n\n")), mimeType: "text/plain" },
    {
      name: "guide.md",
      bytes: text(
        `# Guide\n\n${paragraphs[0]}\n\n## Install\n\n${paragraphs.slice(1, 6).join("\n\n")}\n\n### Step\n\n\`\`\`sh\n# not a heading\n\`\`\`\n`,
      ),
      mimeType: "text/markdown",
    },
    {
      name: "page.html",
      bytes: text(
        `<!doctype html><html><head><title>Page</title><style>p{}</style><script>var x=1;</script></head><body><nav>menu</nav><h1>Title</h1>${paragraphs.map((p) => `<p>${p}</p>`).join("")}<h2>More</h2><ul><li>one</li><li>two</li></ul></body></html>`,
      ),
      mimeType: "text/html",
    },
    {
      name: "table.csv",
      bytes: text(
        `name,city,amount\n${Array.from({ length: 30 }, (_, i) => `row ${i},"Paris, FR",${i * 3}`).join("\n")}\n`,
      ),
      mimeType: "text/csv",
    },
    { name: "latin1.txt", bytes: Buffer.from(paragraphs.join("\n"), "latin1"), mimeType: "text/plain" },
    {
      name: "utf16.txt",
      bytes: new Uint8Array(
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(paragraphs.join("\n"), "utf16le")]),
      ),
      mimeType: "text/plain",
    },
    { name: "report.pdf", bytes: await makePdf(paragraphs.slice(0, 4)), mimeType: "application/pdf" },
    {
      name: "long.pdf",
      bytes: await makePdf(Array.from({ length: 30 }, (_, page) => `${paragraphs[page % 12]} `.repeat(6))),
      mimeType: "application/pdf",
    },
    {
      name: "locked.pdf",
      bytes: makeEncryptedPdf(paragraphs[0] ?? "", "secret"),
      mimeType: "application/pdf",
    },
    {
      name: "memo.docx",
      bytes: await makeDocx([
        { heading: "Memo", level: 1, paragraphs: paragraphs.slice(0, 3) },
        { heading: "Details", level: 2, paragraphs: paragraphs.slice(3, 8) },
      ]),
      mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    },
    { name: "archive.zip", bytes: makeZip({ "a.txt": paragraphs.join("\n") }), mimeType: "application/zip" },
    { name: "image.png", bytes: tinyPng(), mimeType: "image/png" },
    ...(await ocrSeeds()),
  ];
  return [...seeds, ...(await fidelityFiles())];
}

/** Scans for OCR (a PNG, a two-page TIFF, a mixed PDF), and the hostile files as seeds too. */
async function ocrSeeds(): Promise<SeedFile[]> {
  const scan = await textPagePng(PROSE[0] ?? "", 100);
  return [
    { name: "scan.png", bytes: scan, mimeType: "image/png" },
    {
      name: "scans.tif",
      bytes: await multiPageTiff([scan, await textPagePng(PROSE[1] ?? "", 100)]),
      mimeType: null,
    },
    { name: "scan.pdf", bytes: await mixedPdf([PROSE[3] ?? "", scan]), mimeType: "application/pdf" },
    ...(await hostileFiles()),
  ];
}

/** A hostile file and the code its unmutated form must fail with (issue 17's list). */
interface HostileFile extends SeedFile {
  readonly code: string;
}

/**
 * Issue 17's hostile files. Each is a seed (its mutants must end READY or FAILED like any file) and
 * is also run once as it is, where it must end FAILED with its own code: the limit, not a crash.
 */
async function hostileFiles(): Promise<HostileFile[]> {
  const scan = await textPagePng(PROSE[0] ?? "", 100);
  return [
    { name: "huge.png", bytes: pngDeclaring(50_000, 50_000), mimeType: "image/png", code: "IMAGE_TOO_LARGE" },
    { name: "fax.tif", bytes: manyPageTiff(10_000), mimeType: "image/tiff", code: "TOO_MANY_PAGES" },
    {
      name: "blank-scans.pdf",
      bytes: await makePdf(Array.from({ length: 2_000 }, () => "")),
      mimeType: "application/pdf",
      code: "TOO_MANY_PAGES",
    },
    {
      name: "truncated.png",
      bytes: scan.subarray(0, scan.length >> 1),
      mimeType: "image/png",
      code: "CORRUPT_FILE",
    },
    { name: "nested.eml", bytes: makeNestedEmail(100), mimeType: "message/rfc822", code: "NESTING_TOO_DEEP" },
    {
      name: "bomb.epub",
      bytes: makeEpubBomb(64 * 1024 * 1024),
      mimeType: "application/epub+zip",
      code: "DECOMPRESSION_BOMB",
    },
  ];
}

/** Office files and others the fidelity corpus builds with real tools, when it has been built. */
async function fidelityFiles(): Promise<SeedFile[]> {
  let names: string[];
  try {
    names = (await readdir(FIDELITY_DIR, { recursive: true })) as string[];
  } catch {
    return [];
  }
  const files: SeedFile[] = [];
  for (const name of names.sort()) {
    const path = join(FIDELITY_DIR.pathname, name);
    try {
      files.push({ name: name.replaceAll("/", "_"), bytes: await readFile(path), mimeType: null });
    } catch {
      // A directory: its files are listed on their own.
    }
  }
  return files;
}

type Mutation = (bytes: Uint8Array, random: () => number, donor: Uint8Array) => Uint8Array;

const between = (random: () => number, max: number) => Math.floor(random() * Math.max(1, max));
/**
 * Where a mutation may start: mostly past the first bytes, so the file still looks like its
 * format and reaches that format's parser (a damaged magic number only tests type detection).
 */
const HEADER_BYTES = 16;
const offset = (random: () => number, length: number) =>
  random() < 0.8 && length > HEADER_BYTES
    ? HEADER_BYTES + between(random, length - HEADER_BYTES)
    : between(random, length);

const MUTATIONS: Record<string, Mutation> = {
  bitFlips(bytes, random) {
    const out = Uint8Array.from(bytes);
    for (let flips = 1 + between(random, 16); flips > 0 && out.length > 0; flips -= 1) {
      const at = offset(random, out.length);
      out[at] = (out[at] ?? 0) ^ (1 << between(random, 8));
    }
    return out;
  },
  truncate(bytes, random) {
    return bytes.slice(0, offset(random, bytes.length));
  },
  spliceHeader(bytes, random, donor) {
    const length = 4 + between(random, 60);
    const out = Uint8Array.from(bytes);
    out.set(donor.subarray(0, Math.min(length, out.length, donor.length)));
    return out;
  },
  insertRandom(bytes, random) {
    const at = offset(random, bytes.length + 1);
    const inserted = Uint8Array.from({ length: 1 + between(random, 64) }, () => between(random, 256));
    return Uint8Array.from([...bytes.subarray(0, at), ...inserted, ...bytes.subarray(at)]);
  },
  zeroRange(bytes, random) {
    const out = Uint8Array.from(bytes);
    const at = offset(random, out.length);
    out.fill(0, at, at + 1 + between(random, 256));
    return out;
  },
  duplicateRange(bytes, random) {
    const at = offset(random, bytes.length);
    const range = bytes.subarray(at, at + 1 + between(random, 512));
    return Uint8Array.from([...bytes.subarray(0, at), ...range, ...range, ...bytes.subarray(at)]);
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

interface FuzzFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly mimeType: string | null;
  readonly recipe: string;
}

function mutate(seeds: readonly SeedFile[], random: () => number, index: number): FuzzFile {
  const seed = seeds[index % seeds.length] as SeedFile;
  let bytes = seed.bytes;
  const applied: string[] = [];
  for (let count = 1 + between(random, 3); count > 0; count -= 1) {
    const name = MUTATION_NAMES[between(random, MUTATION_NAMES.length)] ?? "bitFlips";
    const donor = (seeds[between(random, seeds.length)] as SeedFile).bytes;
    bytes = (MUTATIONS[name] as Mutation)(bytes, random, donor);
    applied.push(name);
  }
  // Half of the files keep their declared type, half claim none: detection must work from bytes.
  const mimeType = random() < 0.5 ? seed.mimeType : null;
  return { name: `${index}-${seed.name}`, bytes, mimeType, recipe: `${seed.name}: ${applied.join(", ")}` };
}

async function main(): Promise<void> {
  const seeds = await seedFiles();
  const random = seededSource(SEED);
  const hostile = await hostileFiles();
  const files: FuzzFile[] = [
    ...hostile.map((file) => ({ ...file, name: `as-is-${file.name}`, recipe: `${file.name}: as is` })),
    ...Array.from({ length: COUNT }, (_, index) => mutate(seeds, random, index)),
  ];
  const expectedCodes = new Map(hostile.map((file) => [`as-is-${file.name}`, file.code]));
  console.log(
    `fuzz: seed ${SEED}, ${files.length} files from ${seeds.length} valid seeds, ${THREADS} threads`,
  );

  const env = await createTestEnvironment(`fuzz-${SEED}`, { embeddingDim: 64 });
  const worker = startWorkerProcess(
    env.env({
      WORKER_THREADS: String(THREADS),
      // Debug: threads announce themselves ("thread ready"), which counts replacements.
      LOG_LEVEL: "debug",
      DOCUMENT_TIMEOUT_MS: String(DOCUMENT_TIMEOUT_MS),
      // Locks outlast a slow document, so a busy thread's job is not taken for stalled.
      JOB_LOCK_MS: String(Math.max(30_000, DOCUMENT_TIMEOUT_MS * 2)),
    }),
  );
  try {
    const port = await waitUntilServing(worker, THREADS);
    const pid = worker.child.pid;
    const threadsAtStart = await scrapeMetric(port, "rag_worker_pool_threads");
    const started = Date.now();

    const documents: Array<{ documentId: string; file: FuzzFile; jobId: string }> = [];
    for (const file of files) {
      const inserted = await env.insertDocument({
        bytes: file.bytes,
        fileName: file.name,
        mimeType: file.mimeType,
      });
      const job = await env.enqueue(
        { documentId: inserted.documentId, workspaceId: inserted.workspaceId },
        3,
      );
      documents.push({ documentId: inserted.documentId, file, jobId: job.id ?? "" });
    }

    // Done when every document is in a final state and the queue holds no work; a generous
    // deadline (every document timing out on every attempt, across the threads) ends a stuck run.
    const deadline = started + Math.max(300_000, (COUNT * 3 * DOCUMENT_TIMEOUT_MS) / THREADS / 10);
    let statuses = new Map<string, { status: string; error: string | null }>();
    for (;;) {
      const rows = await env.db.query<{ id: string; status: string; error_message: string | null }>(
        "SELECT id, status, error_message FROM documents",
      );
      statuses = new Map(rows.rows.map((row) => [row.id, { status: row.status, error: row.error_message }]));
      const counts = await env.producer.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      const pending = Object.values(counts).reduce((sum, count) => sum + count, 0);
      const final = [...statuses.values()].filter((row) => FINAL_STATUSES.has(row.status)).length;
      if ((pending === 0 && final === documents.length) || Date.now() > deadline) break;
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const seconds = (Date.now() - started) / 1000;

    const reasons = new Map<string, number>();
    // Per seed file: how its mutants ended, to see which parsers the run really reached.
    const bySeed = new Map<string, Map<string, number>>();
    const tally = (seed: string, outcome: string) => {
      const outcomes = bySeed.get(seed) ?? new Map<string, number>();
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      bySeed.set(seed, outcomes);
    };
    const anomalies: Array<{ file: FuzzFile; why: string }> = [];
    // Contained but worth a look: a thread died (crash, memory limit) or the job was retried.
    const notable: Array<{ file: FuzzFile; why: string }> = [];
    let ready = 0;
    let failed = 0;
    for (const document of documents) {
      const row = statuses.get(document.documentId);
      const seedName = document.file.recipe.slice(0, document.file.recipe.indexOf(":"));
      if (row?.status === "READY") {
        ready += 1;
        tally(seedName, "READY");
        const expected = expectedCodes.get(document.file.name);
        if (expected !== undefined)
          anomalies.push({ file: document.file, why: `READY, expected ${expected}` });
      } else if (row?.status === "FAILED" && (row.error ?? "").trim() !== "") {
        failed += 1;
        const job = await env.producer.queue.getJob(document.jobId);
        const code = /^([A-Z_]+):/.exec(job?.failedReason ?? "")?.[1] ?? "(job not failed)";
        const expected = expectedCodes.get(document.file.name);
        if (expected !== undefined) {
          console.log(`hostile ${document.file.name}: FAILED ${job?.failedReason ?? ""}`);
          if (code !== expected)
            anomalies.push({ file: document.file, why: `${code}, expected ${expected}` });
        }
        reasons.set(code, (reasons.get(code) ?? 0) + 1);
        tally(seedName, code);
        if (code === "THREAD_CRASHED" || code === "UNEXPECTED_ERROR") {
          notable.push({ file: document.file, why: job?.failedReason ?? "" });
        }
      } else {
        anomalies.push({
          file: document.file,
          why: `${row?.status ?? "no row"} (${row?.error ?? "no reason"})`,
        });
      }
    }
    const alive = worker.child.exitCode === null && worker.child.signalCode === null;
    const threadsAtEnd = alive ? await scrapeMetric(port, "rag_worker_pool_threads") : 0;
    const restarts = worker.logs.filter((line) => line.message === "Worker arrancando").length - 1;
    const threadStarts = new Set(
      worker.logs.filter((line) => line.message === "thread ready").map((line) => line["thread"]),
    ).size;

    console.log(`files: ${documents.length} in ${seconds.toFixed(1)} s`);
    console.log(`READY: ${ready}`);
    console.log(`FAILED: ${failed}`);
    for (const [code, count] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${code}: ${count}`);
    console.log(`other (must be 0): ${anomalies.length}`);
    for (const item of notable)
      console.log(`  notable: ${item.file.name} (${item.file.recipe}) -> ${item.why}`);
    console.log("by seed file:");
    for (const [seed, outcomes] of bySeed) {
      const parts = [...outcomes]
        .sort((a, b) => b[1] - a[1])
        .map(([outcome, count]) => `${outcome} ${count}`);
      console.log(`  ${seed}: ${parts.join(", ")}`);
    }
    for (const anomaly of anomalies.slice(0, 20)) console.log(`  ${anomaly.file.recipe} -> ${anomaly.why}`);
    console.log(
      `supervisor: ${alive ? "running" : "EXITED"}, pid ${worker.child.pid === pid ? "unchanged" : "CHANGED"}, restarts ${restarts}`,
    );
    console.log(
      `live threads: ${threadsAtStart} at start, ${threadsAtEnd} at end (threads started in all: ${threadStarts})`,
    );

    const keep = [...anomalies, ...notable];
    if (keep.length > 0) {
      const dir = join("data", "fuzz", String(SEED));
      await mkdir(dir, { recursive: true });
      for (const { file } of keep) {
        const source = documents.find((document) => document.file === file);
        if (source === undefined) continue;
        const row = await env.db.query<{ storage_key: string }>(
          "SELECT storage_key FROM documents WHERE id = $1",
          [source.documentId],
        );
        const key = row.rows[0]?.storage_key;
        if (key)
          await copyFile(
            join(env.storageDir, key),
            join(dir, `${file.name}${extname(file.name) ? "" : ".bin"}`),
          );
      }
      console.log(`anomalous and notable files copied to ${relative(process.cwd(), dir)}/`);
    }
    const ok = anomalies.length === 0 && alive && restarts === 0 && threadsAtEnd === threadsAtStart;
    console.log(ok ? "fuzz: OK" : "fuzz: FAILED");
    process.exitCode = ok ? 0 : 1;
  } finally {
    await worker.stop();
    await env.close();
  }
}

await main();
