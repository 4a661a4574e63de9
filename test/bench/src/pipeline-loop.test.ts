import { describe, expect, it } from "vitest";
import { runPipelineLoop } from "./pipeline-loop.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A pipeline in miniature: a call commits its withdrawal after `commitMs` and answers after
 * `answerMs`; settlement completes a withdrawal `settleMs` after its commit. It records the most
 * withdrawals it ever held unfinished (called and not yet completed).
 */
function simulatedPipeline(
  timing: { commitMs: number; answerMs: number; settleMs: number },
  failEvery = 0,
) {
  let pending = 0;
  let unfinished = 0;
  let unfinishedMax = 0;
  let calls = 0;
  let completed = 0;
  return {
    async call() {
      const failing = failEvery > 0 && ++calls % failEvery === 0;
      unfinishedMax = Math.max(unfinishedMax, ++unfinished);
      await sleep(timing.commitMs);
      if (failing) {
        unfinished--;
        throw new Error("RESOURCE_EXHAUSTED");
      }
      pending++;
      void sleep(timing.settleMs).then(() => {
        pending--;
        unfinished--;
        completed++;
      });
      await sleep(timing.answerMs - timing.commitMs);
    },
    countUnfinished: async () => pending,
    stats: () => ({ unfinishedMax, completed }),
  };
}

describe("pipeline load", () => {
  it("never holds more than inPipelineMax withdrawals unfinished, and refills as they complete", async () => {
    // A call commits only after several polls, and answers after its commit, so it is briefly
    // both pending and unanswered.
    const pipeline = simulatedPipeline({ commitMs: 5, answerMs: 8, settleMs: 20 });
    let sent = 0;
    await runPipelineLoop({
      call: () => pipeline.call(),
      countUnfinished: () => pipeline.countUnfinished(),
      inPipelineMax: 8,
      pollIntervalMs: 1,
      endMs: performance.now() + 300,
      onSent: () => sent++,
      onSettled: () => undefined,
    });

    expect(pipeline.stats().unfinishedMax).toBe(8);
    // Each withdrawal lives about 25 ms, so 8 at a time over 300 ms is near 100; an unrefilled
    // pipeline would have sent 8.
    expect(sent).toBeGreaterThan(40);
  });

  it("reports every call's outcome, stops sending at the end and waits for calls in flight", async () => {
    const pipeline = simulatedPipeline({ commitMs: 5, answerMs: 30, settleMs: 10 }, 3);
    const sentAt: number[] = [];
    const outcomes: boolean[] = [];
    const endMs = performance.now() + 100;
    await runPipelineLoop({
      call: () => pipeline.call(),
      countUnfinished: () => pipeline.countUnfinished(),
      inPipelineMax: 4,
      pollIntervalMs: 1,
      endMs,
      onSent: (sentMs) => sentAt.push(sentMs),
      onSettled: (_sentMs, outcome) => outcomes.push(outcome.ok),
    });

    expect(outcomes).toHaveLength(sentAt.length);
    expect(outcomes.filter((ok) => !ok)).toHaveLength(Math.floor(sentAt.length / 3));
    expect(Math.max(...sentAt)).toBeLessThan(endMs);
  });
});
