import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@wallet/config";
import { behaviourFromConfig, bankSimConfigSchema } from "./config.js";

describe("bankSimConfigSchema", () => {
  it("defaults to a calm bank on port 8090", () => {
    const config = loadConfig(bankSimConfigSchema, {});
    expect(config.BANK_SIM_PORT).toBe(8090);
    expect(config.BANK_SIM_HANG_MS).toBe(30_000);
    expect(config.BANK_SIM_SEED).toBeUndefined();
    expect(config.BANK_SIM_STATE_FILE).toBeUndefined();
    expect(behaviourFromConfig(config)).toEqual({
      latencyMsMin: 20,
      latencyMsMax: 200,
      rejectRate: 0,
      errorRate: 0,
      hangRate: 0,
      lostResponseRate: 0,
    });
  });

  it("reads rates as fractions and the seed as an integer", () => {
    const config = loadConfig(bankSimConfigSchema, {
      BANK_SIM_REJECT_RATE: "0.25",
      BANK_SIM_SEED: "7",
    });
    expect(config.BANK_SIM_REJECT_RATE).toBe(0.25);
    expect(config.BANK_SIM_SEED).toBe(7);
  });

  it("names every bad key, cross-field rules included", () => {
    try {
      loadConfig(bankSimConfigSchema, {
        BANK_SIM_LATENCY_MS_MIN: "500",
        BANK_SIM_LATENCY_MS_MAX: "100",
        BANK_SIM_HANG_RATE: "1.5",
        BANK_SIM_PORT: "70000",
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      expect(problems).toContain("BANK_SIM_LATENCY_MS_MAX: must be >= the latency minimum");
      expect(problems).toContain("BANK_SIM_HANG_RATE");
      expect(problems).toContain("BANK_SIM_PORT");
    }
  });

  it("refuses rates that sum above 1", () => {
    expect(() =>
      loadConfig(bankSimConfigSchema, { BANK_SIM_ERROR_RATE: "0.6", BANK_SIM_REJECT_RATE: "0.6" }),
    ).toThrow(/must sum to <= 1/);
  });
});
