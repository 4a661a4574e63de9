import { describe, expect, it } from "vitest";
import { applyBehaviourPatch, type Behaviour } from "./behaviour.js";

const current: Behaviour = {
  latencyMsMin: 20,
  latencyMsMax: 200,
  rejectRate: 0.1,
  errorRate: 0,
  hangRate: 0,
  lostResponseRate: 0,
};

describe("applyBehaviourPatch", () => {
  it("replaces the fields given and keeps the others", () => {
    const result = applyBehaviourPatch(current, { latency_ms_max: 50, error_rate: 0.3 });
    expect(result).toEqual({
      ok: true,
      behaviour: { ...current, latencyMsMax: 50, errorRate: 0.3 },
    });
  });

  it("accepts rates that sum to exactly 1 despite float rounding", () => {
    const result = applyBehaviourPatch(current, {
      reject_rate: 0.7,
      error_rate: 0.2,
      hang_rate: 0.1,
    });
    expect(result.ok).toBe(true);
  });

  it.each([
    ["a rate above 1", { reject_rate: 1.5 }, "reject_rate"],
    ["a negative latency", { latency_ms_min: -1 }, "latency_ms_min"],
    ["a fractional latency", { latency_ms_max: 1.5 }, "latency_ms_max"],
    ["a rate given as a string", { error_rate: "0.5" }, "error_rate"],
    ["an unknown field", { reject_ratio: 0.5 }, "reject_ratio"],
    ["min above max", { latency_ms_min: 300 }, "latency_ms_max"],
    ["rates summing above 1", { error_rate: 0.5, hang_rate: 0.5 }, "reject_rate"],
    ["a body that is not an object", [1, 2], "(body)"],
  ])("refuses %s and names the field", (_what, body, field) => {
    const result = applyBehaviourPatch(current, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toContain(field);
  });
});
