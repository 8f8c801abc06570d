import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import { ThreadSlots } from "../../src/supervisor/thread-slots.js";

describe("ThreadSlots", () => {
  it("gives a slot per thread at once, then one to each waiting job in the order they came", async () => {
    const slots = new ThreadSlots(2);
    assert.equal(slots.acquire(), true);
    assert.equal(slots.acquire(), true);
    const order: string[] = [];
    const first = Promise.resolve(slots.acquire()).then((got) => order.push(`first ${got}`));
    const second = Promise.resolve(slots.acquire()).then((got) => order.push(`second ${got}`));
    assert.equal(slots.waitingJobs, 2);
    slots.release();
    await first;
    assert.deepEqual(order, ["first true"], "one release, one waiting job started");
    slots.release();
    await second;
    assert.deepEqual(order, ["first true", "second true"]);
    assert.equal(slots.waitingJobs, 0);
    slots.release();
    assert.equal(slots.acquire(), true, "a released slot with nobody waiting is free again");
  });

  it("at the drain tells every waiting job it never started, and starts none after", async () => {
    const slots = new ThreadSlots(1);
    assert.equal(slots.acquire(), true);
    const waiting = [slots.acquire(), slots.acquire()];
    slots.close();
    assert.deepEqual(await Promise.all(waiting), [false, false]);
    assert.equal(slots.waitingJobs, 0);
    assert.equal(slots.acquire(), false, "a job fetched during the drain never gets a thread");
    // The running task settling frees its slot for nobody.
    slots.release();
    assert.equal(slots.acquire(), false);
  });
});
