/**
 * docker-compose.yml cannot be run on this project's machines (no Docker engine), so its
 * structure is checked against the code: every service builds from the one Dockerfile, every
 * environment variable is one the service's own config schema knows and accepts, published ports
 * match the configured ones, URLs point at services that exist on the right ports, and start-up
 * order follows health checks.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "@wallet/test-kit";
import { loadConfig } from "@wallet/config";
import { serviceProcessEnv } from "@wallet/runtime";
import { walletConfigSchema } from "@wallet/wallet/dist/config.js";
import { settlementConfigSchema } from "@wallet/settlement/dist/config.js";
import { gatewayConfigSchema } from "@wallet/gateway/dist/config.js";
import { bankSimConfigSchema } from "@wallet/bank-sim/dist/config.js";

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const compose = parse(readFileSync(resolve(repoRoot, "docker-compose.yml"), "utf8"), {
  merge: true,
}) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

const appServices = {
  wallet: { schema: walletConfigSchema, ports: ["WALLET_GRPC_PORT", "WALLET_OPS_PORT"] },
  settlement: { schema: settlementConfigSchema, ports: ["SETTLEMENT_OPS_PORT"] },
  gateway: { schema: gatewayConfigSchema, ports: ["GATEWAY_PORT"] },
  "bank-sim": { schema: bankSimConfigSchema, ports: ["BANK_SIM_PORT"] },
} as const;

/** The port a compose service listens on for a URL to it. */
function listeningPort(name: string): number {
  if (name === "postgres") return 5432;
  if (name === "nats") return 4222;
  const app = appServices[name as keyof typeof appServices];
  const config = loadConfig(app.schema, services[name]!.environment ?? {}) as Record<
    string,
    unknown
  >;
  return config[app.ports[0]] as number;
}

describe("docker-compose.yml", () => {
  it("has PostgreSQL, NATS and every service, each with a health check", () => {
    expect(Object.keys(services).sort()).toEqual([
      "bank-sim",
      "gateway",
      "nats",
      "postgres",
      "settlement",
      "wallet",
    ]);
    for (const [name, service] of Object.entries(services))
      expect(service.healthcheck?.test, name).toBeDefined();
  });

  it("runs NATS with JetStream on disk and a sync setting chosen for durability", () => {
    const conf = readFileSync(resolve(repoRoot, "docker/nats.conf"), "utf8");
    expect(conf).toMatch(/jetstream\s*{[^}]*store_dir:\s*\/data/s);
    expect(conf).toMatch(/sync_interval:\s*always/);
    expect(services.nats!.volumes).toContain("./docker/nats.conf:/etc/nats/nats.conf:ro");
  });

  it.each(Object.entries(appServices))("builds %s from the one Dockerfile", (name) => {
    const service = services[name]!;
    expect(service.build?.dockerfile).toBe("Dockerfile");
    expect(service.build?.args?.SERVICE).toBe(name);
    expect(existsSync(resolve(repoRoot, "services", name, "package.json"))).toBe(true);
    expect(readFileSync(resolve(repoRoot, "Dockerfile"), "utf8")).toContain(
      '--filter "@wallet/${SERVICE}"',
    );
  });

  it("gives the image the memory settings every other launcher uses", () => {
    const envLine = readFileSync(resolve(repoRoot, "Dockerfile"), "utf8")
      .split("\n")
      .find((line) => line.startsWith("ENV ") && line.includes("NODE_OPTIONS="));
    for (const [name, value] of Object.entries(serviceProcessEnv))
      expect(envLine, name).toContain(` ${name}=${value}`);
  });

  it.each(Object.entries(appServices))(
    "gives %s only variables its config knows, with valid values",
    (name, app) => {
      const environment = services[name]!.environment ?? {};
      const known = new Set(Object.keys(app.schema.shape));
      for (const key of Object.keys(environment))
        expect(known.has(key), `${name}: unknown variable ${key}`).toBe(true);
      expect(() => loadConfig(app.schema, environment)).not.toThrow();
    },
  );

  it.each(Object.entries(appServices))(
    "publishes the ports %s is configured to listen on",
    (name, app) => {
      const config = loadConfig(app.schema, services[name]!.environment ?? {}) as Record<
        string,
        unknown
      >;
      const published = (services[name]!.ports ?? []).map((p) => Number(p.split(":")[1]));
      for (const key of app.ports) expect(published, `${name} ${key}`).toContain(config[key]);
    },
  );

  it("points every URL at a service that exists, on the port it listens on", () => {
    const urls: [string, string][] = [
      ["wallet", services.wallet!.environment!.DATABASE_URL!],
      ["wallet", services.wallet!.environment!.NATS_URL!],
      ["settlement", services.settlement!.environment!.NATS_URL!],
      ["settlement", services.settlement!.environment!.BANK_URL!],
      ["gateway", `grpc://${services.gateway!.environment!.WALLET_GRPC_URL!}`],
    ];
    for (const [from, url] of urls) {
      const { hostname, port } = new URL(url);
      expect(services[hostname], `${from} → ${url}`).toBeDefined();
      expect(Number(port || 0), `${from} → ${url}`).toBe(listeningPort(hostname));
      expect(
        Object.keys(services[from]!.depends_on ?? {}),
        `${from} waits for ${hostname}`,
      ).toContain(hostname);
    }
  });

  it("starts each service only once what it depends on is healthy", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        expect(condition).toBe("service_healthy");
      }
    }
  });
});
