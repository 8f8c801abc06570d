import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import { onceWithin, within } from "../support/waits.js";
import { setTimeout as delay } from "node:timers/promises";
import { Worker } from "node:worker_threads";

import { SharedSemaphore } from "../../src/protocol/shared-semaphore.js";

/** A thread that takes a permit of the shared buffer, says so, and gives it back when told. */
const HOLDER_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const view = new Int32Array(workerData.buffer);
// Mirrors SharedSemaphore's layout: [0] available. Plain Atomics keep this thread free of the loader.
for (;;) {
  const available = Atomics.load(view, 0);
  if (available > 0 && Atomics.compareExchange(view, 0, available, available - 1) === available) break;
}
parentPort.postMessage("held");
parentPort.once("message", () => {
  Atomics.add(view, 0, 1);
  Atomics.notify(view, 0, 1);
  parentPort.postMessage("released");
});
`;

describe("SharedSemaphore", () => {
  it("refuses a bad permit count or a buffer it did not create", () => {
    assert.throws(() => SharedSemaphore.create(0), RangeError);
    assert.throws(() => SharedSemaphore.create(1.5), RangeError);
    assert.throws(() => new SharedSemaphore(new SharedArrayBuffer(4)), TypeError);
    assert.throws(() => new SharedSemaphore(new SharedArrayBuffer(8)), TypeError);
  });

  it("hands out at most its permits and takes them back", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(2));
    await semaphore.acquire();
    await semaphore.acquire();
    assert.equal(semaphore.available, 0);
    assert.equal(semaphore.tryAcquire(), false);
    semaphore.release();
    assert.equal(semaphore.available, 1);
    assert.equal(semaphore.tryAcquire(), true);
    semaphore.release();
    semaphore.release();
    assert.equal(semaphore.available, 2);
    assert.throws(() => semaphore.release(), /released more often than acquired/);
    assert.equal(semaphore.available, 2);
  });

  it("two instances over one buffer count the same permits", async () => {
    const buffer = SharedSemaphore.create(1);
    const first = new SharedSemaphore(buffer);
    const second = new SharedSemaphore(buffer);
    await first.acquire();
    assert.equal(second.tryAcquire(), false);
    let acquired = false;
    const waiting = second.acquire().then(() => {
      acquired = true;
    });
    await delay(20);
    assert.equal(acquired, false);
    first.release();
    await waiting;
    assert.equal(acquired, true);
    assert.equal(first.available, 0);
    second.release();
  });

  it("wakes waiters in the order they started waiting", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
    await semaphore.acquire();
    const order: string[] = [];
    const waiters = ["a", "b", "c"].map((name) =>
      semaphore.use(async () => {
        order.push(name);
        await delay(5);
      }),
    );
    await delay(20);
    assert.deepEqual(order, []);
    semaphore.release();
    await Promise.all(waiters);
    assert.deepEqual(order, ["a", "b", "c"]);
    assert.equal(semaphore.available, 1);
  });

  it("use() releases the permit when the work throws", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
    await assert.rejects(
      semaphore.use(() => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(semaphore.available, 1);
    assert.equal(await semaphore.use(() => Promise.resolve(42)), 42);
  });

  it("an aborted wait rejects with the signal's reason and takes no permit", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
    await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    await delay(20);
    controller.abort(new Error("job cancelled"));
    await assert.rejects(waiting, /job cancelled/);
    semaphore.release();
    assert.equal(semaphore.available, 1);
  });

  it("an already aborted signal rejects at once, even with a permit free", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
    await assert.rejects(semaphore.acquire(AbortSignal.abort()), { name: "AbortError" });
    assert.equal(semaphore.available, 1);
  });

  it("a timeout signal ends the wait", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
    await semaphore.acquire();
    await assert.rejects(semaphore.acquire(AbortSignal.timeout(50)), { name: "TimeoutError" });
    semaphore.release();
  });

  it("an abort ends the wait in the same turn of the event loop, not at the next re-check", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
    await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal).then(
      () => "acquired",
      (error: Error) => error.name,
    );
    await delay(10);
    controller.abort();
    const nextTurn = new Promise<string>((resolve) => setImmediate(() => resolve("still waiting")));
    assert.equal(await Promise.race([waiting, nextTurn]), "AbortError");
    semaphore.release();
  });

  it("a release after an aborted wait still reaches the next live waiter", async () => {
    // The re-check moved out of reach (it is private: set for this test only), so only a wake-up
    // passed on by the abandoned wait can end the live one.
    const clock = SharedSemaphore as unknown as { RECHECK_MS: number };
    const recheckMs = clock.RECHECK_MS;
    clock.RECHECK_MS = 600_000;
    try {
      const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
      await semaphore.acquire();
      const controller = new AbortController();
      const abandoned = semaphore.acquire(controller.signal);
      await delay(10);
      const live = semaphore.acquire();
      await delay(10);
      controller.abort();
      await assert.rejects(abandoned, { name: "AbortError" });
      // The abandoned wait is first in line for the wake-up; it must pass it on.
      semaphore.release();
      await within(
        live,
        "the live waiter to be woken by the release passed on (the re-check is 10 min away)",
      );
      assert.equal(semaphore.available, 0);
      semaphore.release();
    } finally {
      clock.RECHECK_MS = recheckMs;
    }
  });

  it("is shared with another thread through workerData, not copied", async () => {
    const buffer = SharedSemaphore.create(1);
    const semaphore = new SharedSemaphore(buffer);
    const worker = new Worker(HOLDER_THREAD, { eval: true, workerData: { buffer } });
    try {
      const [held] = (await onceWithin(worker, "message", "the holder thread to take the permit")) as [
        string,
      ];
      assert.equal(held, "held");
      assert.equal(semaphore.available, 0);
      let acquired = false;
      const waiting = semaphore.acquire().then(() => {
        acquired = true;
      });
      await delay(30);
      assert.equal(acquired, false, "the other thread's permit is respected");
      worker.postMessage("release");
      await waiting;
      assert.equal(acquired, true);
      semaphore.release();
      assert.equal(semaphore.available, 1);
    } finally {
      await worker.terminate();
    }
  });
});
