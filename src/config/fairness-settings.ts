import { z } from "zod";
import { flag, integer, reader } from "./readers.js";
import { readGroup, setting } from "./setting.js";

/** A weight: a positive finite number (a share of the worker, relative to other workspaces). */
export const weight = reader(z.coerce.number().positive().finite(), "a positive number");

/**
 * Tenant fairness and priority lanes (README, "Fairness and priority lanes"): each enqueue gets a
 * BullMQ priority from a virtual clock per workspace and lane, so one workspace's import does not
 * hold back another's upload. Every producer (the API's DocumentProducer, `ragworker ingest`, the
 * reconciler) reads the same values; set them alike everywhere.
 */
export const FAIRNESS_SETTINGS = {
  enabled: setting("QUEUE_FAIRNESS", flag, {
    default: "on",
    describe:
      "fair shares between workspaces and the `interactive`/`bulk` lanes, through BullMQ priorities given at enqueue; `off`: plain FIFO (lanes ignored), as before",
  }),
  bulkAgingJobs: setting("QUEUE_BULK_AGING_JOBS", integer(0, 1_000_000, "jobs"), {
    default: "100",
    describe:
      "how far behind interactive work a new `bulk` job starts, in jobs of one workspace: interactive jobs enqueued within this many rounds go first, then the bulk job is due (never starved)",
  }),
  defaultWeight: setting("QUEUE_DEFAULT_WEIGHT", weight, {
    default: "1",
    describe:
      "the share of a workspace without its own weight (`ragworker fairness weight <workspace-id> <weight>`); a weight-2 workspace gets twice the share of a weight-1 one while both have work waiting",
  }),
};

export type FairnessSettings = {
  readonly enabled: boolean;
  readonly bulkAgingJobs: number;
  readonly defaultWeight: number;
};

/** The fairness settings with nothing set: what a DocumentProducer uses unless told otherwise. */
export const FAIRNESS_DEFAULTS: FairnessSettings = readGroup({}, FAIRNESS_SETTINGS);
