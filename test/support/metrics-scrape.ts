/** Reads one unlabelled gauge or counter from a worker's /metrics, as Prometheus would scrape it. */
export async function scrapeMetric(port: number, name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text.slice(0, 200)}`);
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`/metrics has no unlabelled ${name}`);
  return Number(line.slice(name.length + 1));
}
