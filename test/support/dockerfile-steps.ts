/**
 * No Docker engine runs here, so the image is proven by replaying its Dockerfile: each stage's
 * WORKDIR, ENV, COPY (from the build context or an earlier stage) and RUN, in order, in a fresh
 * directory per stage. The commands run are the Dockerfile's own, not a copy of them.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
/** One RUN step (`npm ci`, a build): about 60 s in a full run, 120 s on a loaded machine. */
const RUN_TIMEOUT_MS = 300_000;

export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
}

export interface DockerStage {
  readonly name: string;
  readonly from: string;
  readonly instructions: DockerInstruction[];
}

/** Parses the instructions (comments dropped, continuation lines joined) into stages. */
export function parseDockerfile(text: string): DockerStage[] {
  const lines = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const match = /^(\w+)\s+(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const keyword = match[1].toUpperCase();
    if (keyword === "FROM") {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(match[2]);
      stages.push({ name: from?.[2] ?? String(stages.length), from: from?.[1] ?? "", instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args: match[2] });
    }
  }
  return stages;
}

/** Replays every stage; returns each stage's WORKDIR on disk (the "image" of that stage). */
/**
 * How this machine reaches the npm registry (a proxy, its certificate authority): a build on it
 * would be given the same, and without them an `npm ci` that needs a package not yet in the cache
 * fails with SELF_SIGNED_CERT_IN_CHAIN behind an intercepting proxy.
 */
function networkSettings(): Record<string, string> {
  const names =
    /^(?:NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY)$/;
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => names.test(entry[0]) && entry[1] !== undefined,
    ),
  );
}

export async function replayDockerfile(contextDir: string): Promise<Map<string, string>> {
  const stages = parseDockerfile(await readFile(join(contextDir, "Dockerfile"), "utf8"));
  const roots = new Map<string, string>();
  for (const stage of stages) {
    const root = await mkdtemp(join(tmpdir(), `ragworker-image-${stage.name}-`));
    let workdir = root;
    const env: Record<string, string> = {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? root,
      ...networkSettings(),
    };
    for (const { keyword, args } of stage.instructions) {
      if (keyword === "WORKDIR") {
        workdir = root;
        await mkdir(workdir, { recursive: true });
      } else if (keyword === "ENV") {
        const [key, ...value] = args.split("=");
        if (key) env[key.trim()] = value.join("=").trim();
      } else if (keyword === "COPY") {
        const parts = args.split(/\s+/);
        const fromStage = parts.find((part) => part.startsWith("--from="))?.slice("--from=".length);
        const paths = parts.filter((part) => !part.startsWith("--"));
        const destination = paths.pop() ?? ".";
        const sourceRoot = fromStage ? (roots.get(fromStage) ?? "") : contextDir;
        for (const source of paths) {
          const target = destination.endsWith("/")
            ? join(workdir, destination, source.split("/").pop() ?? "")
            : join(workdir, destination);
          await cp(join(sourceRoot, source.replace(/^\/app\/?/, "")), target, { recursive: true });
        }
      } else if (keyword === "RUN" && /^apt-get update\b/.test(args)) {
        // The image's Debian packages are this machine's own here: `npm test` installs the same list
        // (scripts/runtime-packages.txt) through services.sh test-tools, and the Dockerfile test
        // checks the image installs from that list. Running apt-get here would only repeat it.
        continue;
      } else if (keyword === "RUN") {
        // chown to the image's `node` user is about image ownership, meaningless in a temp dir; and
        // the image's npm cache is its own, while here it is the machine's, which the replay keeps
        // (cleaning it made every later `npm ci` on the machine, the next replay's too, download
        // everything again). The Dockerfile test checks that the runtime stage does clean it.
        const command = args
          .replace(/&& chown -R node:node \S+/g, "")
          .replace(/&& npm cache clean --force/g, "")
          .replace(/\/app\//g, `${workdir}/`);
        // Bounded: a stalled `npm ci` is killed and fails naming its command (execFile's error does).
        await run("bash", ["-c", command], {
          cwd: workdir,
          env,
          maxBuffer: 64 * 1024 * 1024,
          timeout: RUN_TIMEOUT_MS,
          killSignal: "SIGKILL",
        });
      }
    }
    roots.set(stage.name, workdir);
  }
  return roots;
}
