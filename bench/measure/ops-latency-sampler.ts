/**
 * Asks ragworker's /metrics and /readyz over and over while a batch runs and keeps each response
 * time: each every 200 ms, far more often than Prometheus or a kubelet would, yet not so often
 * that the scraping becomes the load itself.
 */
export interface OpsLatencies {
  readonly metricsMs: number[];
  readonly readyzMs: number[];
}

const INTERVAL_MS = 200;

export function sampleOpsLatency(base: string): { stop(): Promise<OpsLatencies> } {
  let running = true;
  const loop = async (path: string, into: number[]): Promise<void> => {
    while (running) {
      const started = process.hrtime.bigint();
      const response = await fetch(`${base}${path}`);
      await response.arrayBuffer();
      into.push(Number(process.hrtime.bigint() - started) / 1e6);
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
  };
  const latencies: OpsLatencies = { metricsMs: [], readyzMs: [] };
  const loops = Promise.all([loop("/metrics", latencies.metricsMs), loop("/readyz", latencies.readyzMs)]);
  return {
    async stop() {
      running = false;
      await loops;
      return latencies;
    },
  };
}
