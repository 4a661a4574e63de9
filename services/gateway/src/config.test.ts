import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@wallet/config";
import { gatewayConfigSchema } from "./config.js";

describe("gatewayConfigSchema", () => {
  it("has defaults that work on a developer machine", () => {
    expect(loadConfig(gatewayConfigSchema, {})).toMatchObject({
      GATEWAY_HOST: "0.0.0.0",
      GATEWAY_PORT: 8080,
      GATEWAY_BODY_LIMIT_BYTES: 16 * 1024,
      GATEWAY_PAGE_MAX: 1_000,
      WALLET_GRPC_URL: "127.0.0.1:50051",
      WALLET_DEADLINE_MS: 5_000,
      LOG_LEVEL: "info",
    });
  });

  it("names every bad key at once", () => {
    try {
      loadConfig(gatewayConfigSchema, {
        GATEWAY_PORT: "80a",
        WALLET_GRPC_URL: "http://wallet:50051",
        GATEWAY_BODY_LIMIT_BYTES: "0",
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      for (const key of ["GATEWAY_PORT", "WALLET_GRPC_URL", "GATEWAY_BODY_LIMIT_BYTES"])
        expect(problems).toContain(key);
    }
  });

  it("accepts port 0 and host:port wallet addresses, including IPv6", () => {
    expect(loadConfig(gatewayConfigSchema, { GATEWAY_PORT: "0" }).GATEWAY_PORT).toBe(0);
    expect(
      loadConfig(gatewayConfigSchema, { WALLET_GRPC_URL: "wallet.internal:50051" }).WALLET_GRPC_URL,
    ).toBe("wallet.internal:50051");
    expect(
      loadConfig(gatewayConfigSchema, { WALLET_GRPC_URL: "[::1]:50051" }).WALLET_GRPC_URL,
    ).toBe("[::1]:50051");
  });
});
