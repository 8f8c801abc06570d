/** Just enough of the Prometheus text format for tests and suites: samples with labels and values. */
import assert from "node:assert/strict";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    assert.ok(match, `unparseable metrics line: ${line}`);
    const [, name = "", labelText = "", value = ""] = match;
    const labels: Record<string, string> = {};
    for (const label of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] ?? ""] = (label[2] ?? "").replace(/\\(["\\n])/g, (_, c: string) =>
        c === "n" ? "\n" : c,
      );
    }
    const number = value === "+Inf" ? Infinity : value === "-Inf" ? -Infinity : Number(value);
    samples.push({ name, labels, value: number });
  }
  return samples;
}

export function select(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The value of the one sample matching; fails when there is none or several. */
export function single(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = select(samples, name, labels);
  assert.equal(found.length, 1, `expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]?.value ?? NaN;
}

export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return select(samples, name, labels).reduce((sum, sample) => sum + sample.value, 0);
}

/** Reads one gauge or counter (with these labels) from a worker's /metrics, as Prometheus would scrape it. */
export async function scrapeMetric(
  port: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text.slice(0, 200)}`);
  return single(parseMetrics(text), name, labels);
}
