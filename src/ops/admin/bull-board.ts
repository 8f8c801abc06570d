import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { Router } from "express";

/** Where Bull Board is mounted on the ops server. */
export const BULL_BOARD_PATH = "/admin/queues";

/**
 * Bull Board (jobs by state, their data, progress and failed reasons, and actions on them) for the
 * worker's queue. Mounted at BULL_BOARD_PATH behind the admin key and the same-origin guard
 * (admin-router.ts); its page links back to the worker page.
 */
export function bullBoardRouter(queue: Queue): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue)],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: "ragworker",
        miscLinks: [{ text: "Worker threads", url: "/admin/worker" }],
      },
    },
  });
  return serverAdapter.getRouter() as Router;
}
