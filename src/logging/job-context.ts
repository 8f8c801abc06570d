import { AsyncLocalStorage } from "node:async_hooks";

/** Identifies the job a log line belongs to; lives exactly as long as the job's async work. */
export interface JobContext {
  readonly jobId: string;
  readonly documentId: string;
  readonly requestId: string | undefined;
}

const storage = new AsyncLocalStorage<JobContext>();

/** Runs `work` with `context` attached to every log line it writes, and to nothing after it. */
export function runWithJobContext<T>(context: JobContext, work: () => Promise<T>): Promise<T> {
  return storage.run(context, work);
}

export function currentJobContext(): JobContext | undefined {
  return storage.getStore();
}
