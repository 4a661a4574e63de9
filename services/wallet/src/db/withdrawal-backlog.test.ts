import { describe, expect, it } from "vitest";
import { createWithdrawalBacklog } from "./withdrawal-backlog.js";

describe("the withdrawal backlog estimate", () => {
  it("asks for a count first, then adds the instance's own acceptances until the count is refreshMs old", () => {
    let nowMs = 1_000;
    const backlog = createWithdrawalBacklog({ refreshMs: 250, nowMs: () => nowMs });
    expect(backlog.stale()).toBe(true);
    backlog.counted(7);
    expect(backlog.stale()).toBe(false);
    backlog.accepted(2);
    backlog.accepted(0);
    expect(backlog.current()).toBe(9);
    nowMs += 249;
    expect(backlog.stale()).toBe(false);
    nowMs += 1;
    expect(backlog.stale()).toBe(true);
    // A new count replaces both the old count and what was added since (it includes them).
    backlog.counted(4);
    expect(backlog.current()).toBe(4);
    expect(backlog.stale()).toBe(false);
  });
});
