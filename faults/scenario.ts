/** What every fault scenario gets and gives back. */
import type { TestEnvironment } from "../test/support/test-environment.js";
import { createTestEnvironment } from "../test/support/test-environment.js";
import type { FaultServices } from "./fault-services.js";
import type { Tally } from "./fault-load.js";

export interface ScenarioContext {
  readonly services: FaultServices;
  /** 1 for the full suite; `--quick` runs a fifth of each load. */
  readonly scale: number;
  readonly log: (message: string) => void;
}

export interface ScenarioResult {
  readonly name: string;
  readonly tally: Tally;
  /** From the end of the fault to the worker being whole again (see each scenario), in seconds. */
  readonly recoverySeconds: number | null;
  /** Scenario-specific checks beyond the tally (supervisor pid, threads, readiness, memory). */
  readonly checks: ReadonlyArray<{ readonly what: string; readonly ok: boolean }>;
  readonly notes: readonly string[];
}

export interface Scenario {
  readonly name: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

/**
 * A fresh database (migrated), queue and storage directory on the suite's own services; `redisUrl`
 * puts the queue on another Redis (a scenario's own Sentinel set).
 */
export function createScenarioEnvironment(
  label: string,
  options: { redisUrl?: string } = {},
): Promise<TestEnvironment> {
  return createTestEnvironment(`fault-${label}`, { embeddingDim: 32, ...options });
}

export function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}
