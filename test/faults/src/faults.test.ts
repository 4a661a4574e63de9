/**
 * The bounded (--ci) fault suite as a test, so `turbo run test` runs it: every scenario against
 * the real services on a private PostgreSQL and NATS, and not one violation allowed. The table is
 * printed either way, so a failure shows what broke and with which seed to replay it.
 */
import { describe, expect, it } from "vitest";
import { runFaultSuite } from "./run-fault-suite.js";

const seed = process.env.FAULTS_SEED === undefined ? undefined : Number(process.env.FAULTS_SEED);

describe("fault suite (--ci)", () => {
  it("finds no lost, created or double-paid money, no INTERNAL and no crash under faults and hostile input", async () => {
    const result = await runFaultSuite({ ci: true, seed });
    process.stdout.write(`${result.text}\n`);
    expect(result.errors).toEqual([]);
    expect(result.violations).toBe(0);
  });
});
