/**
 * Where a CPU profile's busy time went: self time by function as a share of the samples that were
 * not idle, largest first (a benchmarked process idles between its runs). For the profiles that
 * `npm run bench -- --profile DIR` has ragworker write (supervisor and each thread, `--cpu-prof`).
 *
 *   node --import tsx bench/summarize-profile.ts DIR/*.cpuprofile [--top 15]
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "15" } },
});

for (const file of positionals) {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${basename(url)}:${lineNumber + 1}` : "";
    const key = `${functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  const idle = byFunction.get("(idle)") ?? 0;
  byFunction.delete("(idle)");
  const busyHits = Math.max(1, totalHits - idle);
  const busySeconds = (wallMs / 1000) * (busyHits / Math.max(1, totalHits));
  console.log(
    `\n${basename(file)}: ${(wallMs / 1000).toFixed(1)} s profiled, ${busySeconds.toFixed(1)} s busy; share of busy time:`,
  );
  const top = [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  for (const [name, hits] of top) {
    console.log(`${((100 * hits) / busyHits).toFixed(1).padStart(6)} %  ${name}`);
  }
}
