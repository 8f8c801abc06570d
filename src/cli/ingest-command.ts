import { randomUUID } from "node:crypto";
import type { Dirent } from "node:fs";
import { readFile, readdir, realpath, stat } from "node:fs/promises";
import { basename, extname, join, relative, sep } from "node:path";
import { SingleBar } from "cli-progress";
import Table from "cli-table3";
import pg from "pg";
import type { Config } from "../config/config.js";
import type { Lane } from "../fairness/lane.js";
import { DocumentProducer } from "../producer/enqueue-document.js";
import { createStorage } from "../storage/create-storage.js";
import { exitWithError } from "./exit-with-error.js";

export interface IngestOptions {
  readonly workspace: string;
  readonly timeoutSeconds: number;
  /** `bulk` with `--bulk` (an import); `interactive` otherwise. */
  readonly lane: Lane;
}

// Only a hint for the API-side row: the worker detects the real type from the bytes.
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  ".pdf": "application/pdf",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".txt": "text/plain",
};

interface IngestedFile {
  readonly path: string;
  readonly documentId: string;
  readonly jobId: string;
}

interface DocumentState {
  readonly id: string;
  readonly status: string | null;
  readonly error_message: string | null;
  readonly chunks: string;
}

async function findOrCreateWorkspace(db: pg.Client, name: string): Promise<string> {
  const found = await db.query<{ id: string }>(
    "SELECT id FROM workspaces WHERE name = $1 AND archived_at IS NULL ORDER BY created_at LIMIT 1",
    [name],
  );
  if (found.rows[0]) return found.rows[0].id;
  const created = await db.query<{ id: string }>("INSERT INTO workspaces (name) VALUES ($1) RETURNING id", [
    name,
  ]);
  const row = created.rows[0];
  if (!row) throw new Error("workspace insert returned no row");
  return row.id;
}

async function readStates(db: pg.Client, ids: readonly string[]): Promise<Map<string, DocumentState>> {
  const result = await db.query<DocumentState>(
    `SELECT d.id, d.status, d.error_message, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS chunks
       FROM documents d WHERE d.id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(result.rows.map((row) => [row.id, row]));
}

export interface SkippedEntry {
  readonly path: string;
  readonly reason:
    "hidden" | "symlink loop" | "directory already walked" | "broken symlink" | "not a regular file";
}

export interface IngestFileList {
  /** Regular files in the order they are ingested, each once (by real path). */
  readonly files: readonly string[];
  readonly skipped: readonly SkippedEntry[];
}

/** Code-unit order: the same on every machine, whatever the locale. */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The files behind the command line's paths: a file as it is; a directory walked recursively in
 * name order (code units), its regular files taken, hidden entries (a name starting with `.`)
 * skipped, symbolic links followed except a loop (a link to the directory it is in or to one of
 * its ancestors) and a broken link. A directory or a file reached a second way (another link, a
 * path named twice) is taken once, where it was first reached. A named path that does not exist is
 * an error, as is a named path that is neither a file nor a directory.
 */
export async function listIngestFiles(paths: readonly string[]): Promise<IngestFileList> {
  const files: string[] = [];
  const skipped: SkippedEntry[] = [];
  const seenFiles = new Set<string>();
  const walkedDirectories = new Set<string>();

  const addFile = async (path: string) => {
    const real = await realpath(path);
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    files.push(path);
  };

  const walk = async (directory: string): Promise<void> => {
    const real = await realpath(directory);
    if (walkedDirectories.has(real)) {
      skipped.push({ path: directory, reason: "directory already walked" });
      return;
    }
    walkedDirectories.add(real);
    const entries: Dirent[] = await readdir(directory, { withFileTypes: true });
    entries.sort((a, b) => byCodeUnits(a.name, b.name));
    for (const entry of entries) {
      const path = join(directory, entry.name);
      if (entry.name.startsWith(".")) {
        skipped.push({ path, reason: "hidden" });
      } else if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        await addFile(path);
      } else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (!target) skipped.push({ path, reason: "broken symlink" });
        else if (target.isDirectory()) {
          const into = await realpath(path);
          if (real === into || real.startsWith(`${into}${sep}`))
            skipped.push({ path, reason: "symlink loop" });
          else await walk(path);
        } else if (target.isFile()) await addFile(path);
        else skipped.push({ path, reason: "not a regular file" });
      } else {
        skipped.push({ path, reason: "not a regular file" });
      }
    }
  };

  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) await walk(path);
    else if (info.isFile()) await addFile(path);
    else throw new Error(`${path}: not a regular file or a directory`);
  }
  return { files, skipped };
}

function reportSkipped(skipped: readonly SkippedEntry[]): void {
  const hidden = skipped.filter((entry) => entry.reason === "hidden").length;
  if (hidden > 0)
    console.error(`skipped ${hidden} hidden file(s) or directory(ies) (names starting with ".")`);
  for (const entry of skipped) {
    if (entry.reason !== "hidden") console.error(`skipped ${entry.path}: ${entry.reason}`);
  }
}

/** The path as the summary shows it: relative to the working directory when under it. */
function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown === "" || shown.startsWith("..") ? path : shown;
}

const isFinal = (state: DocumentState | undefined) => state?.status === "READY" || state?.status === "FAILED";

/** Documents shown with their stage on the progress line; the rest are counted. */
const STAGES_SHOWN = 3;

/**
 * " | a.pdf extracting 3/10, b.txt embedding 20/48": where each document in flight is, from the
 * progress its worker thread gave its job (none yet: "starting"). Only PROCESSING documents are
 * asked about, so the cost follows the threads at work, not the files ingested.
 */
async function describeStages(
  producer: DocumentProducer,
  inFlight: readonly IngestedFile[],
): Promise<string> {
  if (inFlight.length === 0) return "";
  const shown = await Promise.all(
    inFlight.slice(0, STAGES_SHOWN).map(async (file) => {
      const job = await producer.queue.getJob(file.jobId).catch(() => undefined);
      return `${basename(file.path)} ${describeProgress(job?.progress)}`;
    }),
  );
  const more = inFlight.length > STAGES_SHOWN ? ` +${inFlight.length - STAGES_SHOWN} more` : "";
  return ` | ${shown.join(", ")}${more}`;
}

function describeProgress(progress: unknown): string {
  if (typeof progress !== "object" || progress === null) return "starting";
  const { stage, current, total } = progress as { stage?: unknown; current?: unknown; total?: unknown };
  if (typeof stage !== "string") return "starting";
  return typeof current === "number" && typeof total === "number" ? `${stage} ${current}/${total}` : stage;
}

/**
 * Stores files (directories are walked: listIngestFiles), inserts their documents, enqueues them,
 * then follows them to READY or FAILED.
 */
export async function ingestCommand(
  config: Config,
  paths: readonly string[],
  options: IngestOptions,
): Promise<void> {
  const started = Date.now();
  const storage = createStorage(config.storageUrl, config.s3);
  const db = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5_000 });
  const producer = new DocumentProducer(config.redisUrl, config.queueName, { fairness: config.fairness });
  try {
    const listed = await listIngestFiles(paths);
    reportSkipped(listed.skipped);
    if (listed.files.length === 0) throw new Error(`no files to ingest in ${paths.join(", ")}`);
    await db.connect();
    const workspaceId = await findOrCreateWorkspace(db, options.workspace);
    const files: IngestedFile[] = [];
    for (const path of listed.files) {
      const bytes = await readFile(path);
      const documentId = randomUUID();
      const fileName = basename(path);
      const storageKey = `${workspaceId}/${documentId}/${fileName}`;
      await storage.write(storageKey, bytes);
      await db.query(
        `INSERT INTO documents (id, workspace_id, title, source, file_name, mime_type, storage_key, status)
         VALUES ($1, $2, $3, 'upload', $4, $5, $6, 'PENDING')`,
        [
          documentId,
          workspaceId,
          fileName,
          fileName,
          MIME_BY_EXTENSION[extname(fileName).toLowerCase()] ?? null,
          storageKey,
        ],
      );
      let jobId: string;
      try {
        jobId = await producer.enqueue(
          { documentId, workspaceId, requestId: `ingest-${randomUUID()}` },
          { attempts: config.jobAttempts, lane: options.lane },
        );
      } catch (error) {
        // No job will ever process this row: say so on it rather than leave it PENDING.
        await db.query("UPDATE documents SET status = 'FAILED', error_message = $2 WHERE id = $1", [
          documentId,
          `could not enqueue: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500),
        ]);
        throw error;
      }
      files.push({ path, documentId, jobId });
    }

    const bar = new SingleBar({
      format: "processing [{bar}] {value}/{total} documents | {duration}s{stages}",
      noTTYOutput: true,
      notTTYSchedule: 2_000,
      stream: process.stderr,
    });
    bar.start(files.length, 0, { stages: "" });
    const ids = files.map((file) => file.documentId);
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let states = await readStates(db, ids);
    while (!ids.every((id) => isFinal(states.get(id))) && Date.now() < deadline) {
      const inFlight = files.filter((file) => states.get(file.documentId)?.status === "PROCESSING");
      bar.update(ids.filter((id) => isFinal(states.get(id))).length, {
        stages: await describeStages(producer, inFlight),
      });
      await new Promise((resolve) => setTimeout(resolve, 250));
      states = await readStates(db, ids);
    }
    bar.update(ids.filter((id) => isFinal(states.get(id))).length, { stages: "" });
    bar.stop();

    const table = new Table({
      head: ["file", "status", "chunks", "reason"],
      wordWrap: true,
      colWidths: [32, 12, 8, 50],
      // No colours: the summary often ends up in CI logs and files.
      style: { head: [], border: [] },
    });
    let chunks = 0;
    let failed = 0;
    for (const file of files) {
      const state = states.get(file.documentId);
      const status = state?.status ?? "unknown";
      if (status !== "READY") failed += 1;
      chunks += Number(state?.chunks ?? 0);
      table.push([
        displayPath(file.path),
        status,
        state?.chunks ?? "0",
        isFinal(state) ? (state?.error_message ?? "") : "timed out waiting",
      ]);
    }
    console.log(table.toString());
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `${files.length} documents, ${files.length - failed} READY, ${failed} not READY, ${chunks} chunks, ${seconds} s (workspace "${options.workspace}" ${workspaceId})`,
    );
    if (failed > 0) process.exitCode = 1;
  } catch (error) {
    exitWithError(`ingest failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await producer.close();
    await db.end();
    storage.close?.();
  }
}
