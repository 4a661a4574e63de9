import { describe, expect, it } from "vitest";
import { OptionsError, parseBenchOptions } from "./cli-options.js";

const env = {};

describe("bench options", () => {
  it("defaults to every item, one run, 10 s windows after 2 s of warm-up", () => {
    const options = parseBenchOptions([], env)!;
    expect(options).toMatchObject({
      runs: 1,
      durationMs: 10_000,
      warmupMs: 2_000,
      concurrency: 64,
      generators: 2,
      client: "frames",
      userCount: 10_000,
    });
    expect(options.items).toContain("charge-spread");
    expect(options.items).toContain("raw-sql-charge-1stmt-hot");
    expect(options.withdrawPipelineMax).toBe(80);
    expect(options.withdrawWarmupMs).toBe(8_000);
  });

  it("shrinks everything for --smoke and fixes pgbench's length in transactions", () => {
    const options = parseBenchOptions(["--smoke"], env)!;
    expect(options.durationMs).toBeLessThanOrEqual(500);
    expect(options.pgbenchTransactionsPerClient).toBeGreaterThan(0);
  });

  it("runs a chosen item's prerequisite too, in catalogue order", () => {
    expect(parseBenchOptions(["--scenarios", "charge-latency,grpc-noop"], env)!.items).toEqual([
      "grpc-noop",
      "charge-spread",
      "charge-latency",
    ]);
    // A baseline whose rate comes from a scenario runs after the scenarios.
    expect(
      parseBenchOptions(["--scenarios", "raw-sql-charge-latency,raw-sql-charge"], env)!.items,
    ).toEqual(["raw-sql-charge", "charge-spread", "raw-sql-charge-latency"]);
    expect(parseBenchOptions(["--scenarios", "withdraw-latency"], env)!.items).toEqual([
      "withdraw-e2e",
      "withdraw-latency",
    ]);
    expect(parseBenchOptions(["--scenarios", "grpc-noop-latency"], env)!.items).toEqual([
      "charge-spread",
      "grpc-noop-latency",
    ]);
  });

  it("lists every bad flag at once", () => {
    try {
      parseBenchOptions(
        ["--runs", "0", "--scenarios", "nope", "--wallet", "localhost", "--client", "curl"],
        env,
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OptionsError);
      const problems = (err as OptionsError).problems.join("\n");
      expect(problems).toMatch(/--runs/);
      expect(problems).toMatch(/unknown "nope"/);
      expect(problems).toMatch(/--wallet/);
      expect(problems).toMatch(/--client: must be one of frames, grpc-js/);
    }
  });

  it("takes the stock grpc-js client on request, and no other", () => {
    expect(parseBenchOptions(["--client", "grpc-js"], env)!.client).toBe("grpc-js");
    expect(() => parseBenchOptions(["--client", "http2"], env)).toThrow(
      /--client: must be one of frames, grpc-js/,
    );
  });

  it("refuses an unknown flag", () => {
    expect(() => parseBenchOptions(["--durration-ms", "5"], env)).toThrow(OptionsError);
  });

  it("returns nothing for --help", () => {
    expect(parseBenchOptions(["--help"], env)).toBeUndefined();
  });
});
