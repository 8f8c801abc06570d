import type { Config } from "../config/config.js";
import { weight as weightReader } from "../config/fairness-settings.js";
import { DocumentProducer } from "../producer/enqueue-document.js";
import { exitWithError } from "./exit-with-error.js";

export interface WeightOptions {
  /** Back to QUEUE_DEFAULT_WEIGHT instead of setting one. */
  readonly clear: boolean;
}

/**
 * `ragworker fairness weight <workspace-id> [weight]`: sets a workspace's share of the worker
 * (the same Redis hash DocumentProducer.setWorkspaceWeight writes), clears it (`--clear`), or,
 * with neither, prints it. Weights take effect from the workspace's next enqueue.
 */
export async function fairnessWeightCommand(
  config: Config,
  workspaceId: string,
  weightText: string | undefined,
  options: WeightOptions,
): Promise<void> {
  const parsed = weightText === undefined ? undefined : weightReader.schema.safeParse(weightText);
  if (parsed && !parsed.success) exitWithError(`weight '${weightText}': expected ${weightReader.expected}`);
  if (parsed && options.clear) exitWithError("give a weight or --clear, not both");
  const producer = new DocumentProducer(config.redisUrl, config.queueName, { fairness: config.fairness });
  try {
    if (parsed?.success) await producer.setWorkspaceWeight(workspaceId, parsed.data);
    else if (options.clear) await producer.clearWorkspaceWeight(workspaceId);
    const stored = (await producer.workspaceWeights()).get(workspaceId);
    const shown =
      stored === undefined ? `${config.fairness.defaultWeight} (QUEUE_DEFAULT_WEIGHT)` : String(stored);
    console.log(`workspace ${workspaceId}: weight ${shown} on queue ${config.queueName}`);
    if (!config.fairness.enabled)
      console.error("note: QUEUE_FAIRNESS is off here; weights apply when it is on");
  } catch (error) {
    exitWithError(`fairness weight failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await producer.close();
  }
}
