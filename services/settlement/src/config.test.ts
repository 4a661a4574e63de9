import { ConfigError, loadConfig } from "@wallet/config";
import { describe, expect, it } from "vitest";
import { settlementConfigSchema } from "./config.js";

describe("settlement config", () => {
  it("works on a developer machine with no variables set", () => {
    const config = loadConfig(settlementConfigSchema, {});
    expect(config).toMatchObject({
      NATS_URL: "nats://127.0.0.1:4222",
      NATS_PREFIX: "wallet",
      BANK_URL: "http://127.0.0.1:8090",
      SETTLEMENT_WORKERS: 50,
      BANK_TIMEOUT_MS: 5_000,
      SETTLEMENT_MAX_ATTEMPTS: 8,
      SETTLEMENT_OPS_PORT: 9465,
    });
    expect(config.SETTLEMENT_MAX_DELIVER).toBeGreaterThan(config.SETTLEMENT_MAX_ATTEMPTS);
  });

  it("names every bad key at once", () => {
    const problems = problemsOf({
      NATS_URL: "http://nats",
      NATS_PREFIX: "has.dot",
      BANK_URL: "ftp://bank",
      SETTLEMENT_WORKERS: "0",
      BANK_TIMEOUT_MS: "soon",
      SETTLEMENT_OPS_PORT: "70000",
    });
    for (const key of [
      "NATS_URL",
      "NATS_PREFIX",
      "BANK_URL",
      "SETTLEMENT_WORKERS",
      "BANK_TIMEOUT_MS",
      "SETTLEMENT_OPS_PORT",
    ]) {
      expect(problems).toContain(key);
    }
  });

  it("refuses a JetStream delivery limit that could drop a message before settlement parks it", () => {
    expect(problemsOf({ SETTLEMENT_MAX_ATTEMPTS: "8", SETTLEMENT_MAX_DELIVER: "8" })).toContain(
      "SETTLEMENT_MAX_DELIVER",
    );
  });

  it("refuses inconsistent backoff and ack wait bounds", () => {
    expect(
      problemsOf({ SETTLEMENT_BACKOFF_MS_BASE: "5000", SETTLEMENT_BACKOFF_MS_MAX: "1000" }),
    ).toContain("SETTLEMENT_BACKOFF_MS_MAX");
    expect(problemsOf({ BANK_TIMEOUT_MS: "30000", SETTLEMENT_ACK_WAIT_MS: "30000" })).toContain(
      "SETTLEMENT_ACK_WAIT_MS",
    );
  });
});

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(settlementConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join("\n");
    throw err;
  }
  return "";
}
