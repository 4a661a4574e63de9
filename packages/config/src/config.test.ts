import { describe, expect, it } from "vitest";
import { ConfigError, intVar, loadConfig, urlVar, z } from "./index.js";

const schema = z.object({
  PORT: intVar(50051, 0, 65535),
  DATABASE_URL: urlVar("postgres://postgres@127.0.0.1:5432/wallet", ["postgres", "postgresql"]),
  WORKERS: intVar(50, 1, 1000),
});

describe("loadConfig", () => {
  it("applies defaults and returns a frozen object", () => {
    const config = loadConfig(schema, {});
    expect(config.PORT).toBe(50051);
    expect(config.WORKERS).toBe(50);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("names every bad key at once", () => {
    try {
      loadConfig(schema, { PORT: "abc", DATABASE_URL: "http://x", WORKERS: "0" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      expect(problems).toContain("PORT");
      expect(problems).toContain("DATABASE_URL");
      expect(problems).toContain("WORKERS");
    }
  });
});
