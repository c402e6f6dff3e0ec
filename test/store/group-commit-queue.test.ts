/**
 * The group-commit queue's bounds: every item reaches exactly one batch, in arrival order; no batch exceeds
 * batchSizeMax; no more than inFlightMax batches run at once; a full queue refuses at once.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { GroupCommitQueue, QueueFullError } from "../../src/adapters/store/group-commit.js";

it("keeps every bound, loses no item and keeps arrival order", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 60 }),
      async (batchSizeMax, inFlightMax, pauses) => {
        const seen: number[] = [];
        let running = 0;
        let runningMax = 0;
        let sizeMax = 0;
        const queue = new GroupCommitQueue<number>(
          { batchSizeMax, maxWaitMs: 0, inFlightMax, queueMax: 1000 },
          async (items) => {
            running++;
            runningMax = Math.max(runningMax, running);
            sizeMax = Math.max(sizeMax, items.length);
            await new Promise((done) => setImmediate(done));
            seen.push(...items);
            running--;
          },
        );
        // Items arrive in bursts separated by a few ticks, while batches are in flight.
        for (const [i, pause] of pauses.entries()) {
          queue.push(i);
          for (let t = 0; t < pause; t++) await new Promise((done) => setImmediate(done));
        }
        await queue.idle();
        expect(sizeMax).toBeLessThanOrEqual(batchSizeMax);
        expect(runningMax).toBeLessThanOrEqual(inFlightMax);
        // Batches may finish out of order when several run at once; each item is in exactly one.
        expect([...seen].sort((a, b) => a - b)).toEqual(pauses.map((_, i) => i));
        if (inFlightMax === 1) expect(seen).toEqual(pauses.map((_, i) => i));
      },
    ),
    { numRuns: 100 },
  );
});

it("refuses beyond queueMax instead of growing", async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((done) => {
    release = done;
  });
  const queue = new GroupCommitQueue<number>(
    { batchSizeMax: 1, maxWaitMs: 0, inFlightMax: 1, queueMax: 3 },
    () => gate,
  );
  queue.push(0);
  await new Promise((done) => setImmediate(done)); // item 0 is now in flight
  queue.push(1);
  queue.push(2);
  queue.push(3);
  expect(() => queue.push(4)).toThrow(QueueFullError);
  release();
  await queue.idle();
  expect(queue.pending).toBe(0);
});
