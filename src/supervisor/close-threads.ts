import { BroadcastChannel } from "node:worker_threads";
import type { Piscina } from "piscina";
import type { Logger } from "../logging/logger.js";
import { isThreadControlMessage, THREAD_CONTROL_CHANNEL } from "../protocol/thread-protocol.js";

// A thread replaced during the drain (its task was aborted) may still be starting when the first
// request goes out; asking again until everyone answered reaches it once it listens.
const ASK_INTERVAL_MS = 100;

/**
 * Asks every thread to close its database pool and waits for their answers (bounded), then
 * ends the pool. Threads that do not answer in time are terminated with it.
 */
export async function closeThreads(pool: Piscina, logger: Logger, timeoutMs: number): Promise<void> {
  const expected = pool.threads.length;
  const channel = new BroadcastChannel(THREAD_CONTROL_CHANNEL);
  const closed = new Set<number>();
  try {
    await new Promise<void>((resolve) => {
      const ask = setInterval(() => channel.postMessage({ type: "close" }), ASK_INTERVAL_MS);
      const done = () => {
        clearInterval(ask);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      channel.onmessage = (event) => {
        const data = (event as MessageEvent).data;
        if (isThreadControlMessage(data) && data.type === "closed") {
          closed.add(data.threadId);
          if (closed.size >= expected) done();
        }
      };
      if (expected === 0) done();
      channel.postMessage({ type: "close" });
    });
  } finally {
    channel.close();
  }
  if (closed.size < expected) {
    logger.warn(
      { answered: closed.size, threads: expected },
      "some threads did not close their pools in time",
    );
  } else {
    logger.info({ threads: expected }, "every thread closed its database pool");
  }
  await pool.destroy();
}
