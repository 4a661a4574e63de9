import { describe, expect, it } from "vitest";
import { latencyMsFromLogLine, parsePgbenchSummary } from "./pgbench-output.js";

// Printed by pgbench 15.20 on this machine.
const timedRun = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/wallet-bench-pgbench-x/raw-sql-charge.sql
scaling factor: 1
query mode: prepared
number of clients: 16
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 38123
number of failed transactions: 0 (0.000%)
latency average = 4.195 ms
initial connection time = 15.120 ms
tps = 3814.226181 (without initial connection time)
`;

const countedRun = `pgbench (15.20 (Debian 15.20-0+deb12u1))
number of transactions per client: 50
number of transactions actually processed: 200/200
number of failed transactions: 3 (1.500%)
latency average = 0.238 ms
initial connection time = 16.582 ms
tps = 16835.016835 (without initial connection time)
`;

describe("pgbench output", () => {
  it("reads tps, average latency and counts from a timed run", () => {
    expect(parsePgbenchSummary(timedRun)).toEqual({
      tps: 3814.226181,
      latencyAverageMs: 4.195,
      transactions: 38123,
      failedTransactions: 0,
    });
  });

  it("reads the processed count of a run with a fixed number of transactions", () => {
    expect(parsePgbenchSummary(countedRun)).toMatchObject({
      transactions: 200,
      failedTransactions: 3,
      tps: 16835.016835,
    });
  });

  it("refuses output without a tps line instead of reporting zero", () => {
    expect(() => parsePgbenchSummary(timedRun.replace(/^tps.*$/m, ""))).toThrow(/tps = /);
  });

  it("reads a per-transaction log line's latency in milliseconds and skips failures", () => {
    expect(latencyMsFromLogLine("2 17 4210 0 1795710623 134061")).toBe(4.21);
    expect(latencyMsFromLogLine("2 18 failed 0 1795710623 134061")).toBeUndefined();
    expect(latencyMsFromLogLine("")).toBeUndefined();
  });
});
