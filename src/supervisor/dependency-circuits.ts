import {
  DEPENDENCIES,
  DependencyUnavailableError,
  type Dependency,
} from "../errors/dependency-unavailable-error.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import type { CircuitStatus } from "../ops/readiness.js";

export interface DependencyFailure {
  readonly message: string;
  readonly credentialsRejected: boolean;
}

export interface DependencyCircuitsOptions {
  /** Each resolves when its dependency answers again, and throws saying why not. */
  readonly probes: Readonly<Record<Dependency, () => Promise<void>>>;
  /** Called when the first circuit opens (true) and when the last one closes (false). */
  readonly onChange: (anyDown: boolean) => void;
  readonly logger: Logger;
  /** First probe delay; doubled after each failed probe up to `maxProbeMs` (DEPENDENCY_PROBE_*). */
  readonly minProbeMs: number;
  readonly maxProbeMs: number;
  /** [0, 1); Math.random unless a test fixes it. */
  readonly random?: () => number;
}

interface Down {
  readonly since: Date;
  reason: string;
  credentialsRejected: boolean;
  failedProbes: number;
  timer: NodeJS.Timeout | null;
  probing: Promise<void> | null;
}

/**
 * A circuit per dependency (storage, embedding service, database). A job that found one down
 * opens its circuit: the supervisor stops fetching jobs (onChange) and probes the dependency with
 * capped exponential backoff and jitter, so a thousand replicas neither hammer a recovering
 * service nor probe in step; the first probe that succeeds closes it and fetching resumes. One
 * log line per state change, never one per job.
 */
export class DependencyCircuits {
  private readonly down = new Map<Dependency, Down>();
  private stopped = false;

  constructor(private readonly options: DependencyCircuitsOptions) {}

  get anyDown(): boolean {
    return this.down.size > 0;
  }

  /** A job's task found `dependency` down: open its circuit (once), or note the latest reason. */
  reportDown(dependency: Dependency, failure: DependencyFailure): void {
    if (this.stopped) return;
    const open = this.down.get(dependency);
    if (open) {
      this.noteFailure(dependency, open, failure);
      return;
    }
    const wasUp = this.down.size === 0;
    const state: Down = {
      since: new Date(),
      reason: failure.message,
      credentialsRejected: failure.credentialsRejected,
      failedProbes: 0,
      timer: null,
      probing: null,
    };
    this.down.set(dependency, state);
    this.logDown(dependency, state);
    if (wasUp) this.options.onChange(true);
    this.scheduleProbe(dependency, state);
  }

  status(): Record<Dependency, CircuitStatus> {
    const entries = DEPENDENCIES.map((dependency): [Dependency, CircuitStatus] => {
      const state = this.down.get(dependency);
      return [
        dependency,
        state
          ? {
              up: false,
              downSince: state.since.toISOString(),
              reason: state.reason,
              credentialsRejected: state.credentialsRejected,
            }
          : { up: true, downSince: null, reason: null, credentialsRejected: false },
      ];
    });
    return Object.fromEntries(entries) as Record<Dependency, CircuitStatus>;
  }

  /** Stops probing (the drain); waits for a probe in flight so nothing runs on closed pools. */
  async stop(): Promise<void> {
    this.stopped = true;
    const probing: Array<Promise<void>> = [];
    for (const state of this.down.values()) {
      if (state.timer) clearTimeout(state.timer);
      if (state.probing) probing.push(state.probing);
    }
    await Promise.all(probing);
  }

  /** Full backoff step halved, plus up to the other half at random: bounded and spread out. */
  private probeDelay(failedProbes: number): number {
    const { minProbeMs, maxProbeMs } = this.options;
    const step = Math.min(maxProbeMs, minProbeMs * 2 ** Math.min(failedProbes, 30));
    return Math.round(step / 2 + (this.options.random ?? Math.random)() * (step / 2));
  }

  private scheduleProbe(dependency: Dependency, state: Down): void {
    if (this.stopped) return;
    state.timer = setTimeout(() => {
      state.timer = null;
      state.probing = this.probe(dependency, state).finally(() => {
        state.probing = null;
      });
    }, this.probeDelay(state.failedProbes));
    state.timer.unref();
  }

  private async probe(dependency: Dependency, state: Down): Promise<void> {
    try {
      await this.options.probes[dependency]();
    } catch (error) {
      state.failedProbes += 1;
      this.noteFailure(dependency, state, {
        message: error instanceof Error ? error.message : String(error),
        credentialsRejected: error instanceof DependencyUnavailableError && error.credentialsRejected,
      });
      this.options.logger.debug(
        { dependency, failed_probes: state.failedProbes, err: describeError(error) },
        "dependency probe failed",
      );
      this.scheduleProbe(dependency, state);
      return;
    }
    if (this.stopped) return;
    this.down.delete(dependency);
    const seconds = Math.round((Date.now() - state.since.getTime()) / 100) / 10;
    this.options.logger.info(
      { dependency, down_seconds: seconds, probes: state.failedProbes + 1 },
      `dependency ${dependency} is back; fetching jobs again`,
    );
    if (this.down.size === 0) this.options.onChange(false);
  }

  /** Keeps the latest reason; a change to or from refused credentials is a state change, logged. */
  private noteFailure(dependency: Dependency, state: Down, failure: DependencyFailure): void {
    state.reason = failure.message;
    if (failure.credentialsRejected === state.credentialsRejected) return;
    state.credentialsRejected = failure.credentialsRejected;
    this.logDown(dependency, state);
  }

  private logDown(dependency: Dependency, state: Down): void {
    const fields = {
      dependency,
      down_since: state.since.toISOString(),
      reason: state.reason,
      credentials_rejected: state.credentialsRejected,
    };
    if (state.credentialsRejected) {
      this.options.logger.error(
        fields,
        `dependency ${dependency} refuses the worker's credentials: fix them; no new jobs until a probe succeeds (no document is failed meanwhile)`,
      );
    } else {
      this.options.logger.warn(
        fields,
        `dependency ${dependency} is down; no new jobs until a probe succeeds (jobs are handed back without spending attempts)`,
      );
    }
  }
}
