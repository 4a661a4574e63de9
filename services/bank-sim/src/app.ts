/**
 * The bank simulator as a value: start it with a config, stop it gracefully. main.ts runs one;
 * unit-level tests may run one in-process.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "@wallet/logger";
import { behaviourToJson } from "./behaviour.js";
import { createMetricsRegistry } from "@wallet/metrics";
import { behaviourFromConfig, type BankSimConfig } from "./config.js";
import { startHttpServer } from "./http-server.js";
import { createBankSimMetrics } from "./metrics.js";
import { createPayoutBook } from "./payout-book.js";
import { createRouter } from "./routes.js";
import { openStateFile } from "./state-file.js";

export interface BankSimApp {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startBankSimApp(config: BankSimConfig, logger: Logger): Promise<BankSimApp> {
  const stateFile =
    config.BANK_SIM_STATE_FILE === undefined
      ? undefined
      : openStateFile(config.BANK_SIM_STATE_FILE);
  if (stateFile !== undefined) {
    logger.info(
      { path: config.BANK_SIM_STATE_FILE, payouts: stateFile.records.length },
      "state file loaded",
    );
  }
  const book = createPayoutBook({
    behaviour: behaviourFromConfig(config),
    ...(config.BANK_SIM_SEED === undefined ? {} : { seed: config.BANK_SIM_SEED }),
    payoutsMax: config.BANK_SIM_PAYOUTS_MAX,
    ...(stateFile === undefined ? {} : { journal: stateFile, initialRecords: stateFile.records }),
    // Random rather than seeded: a bank reference must stay unique across restarts.
    newBankReference: () => `bnk_${randomBytes(8).toString("hex")}`,
  });
  const registry = createMetricsRegistry("bank-sim");
  const metrics = createBankSimMetrics(registry, () => book.inFlightCount());
  const route = createRouter({
    book,
    metrics,
    registry,
    logger: logger.child({ component: "http" }),
    hangMs: config.BANK_SIM_HANG_MS,
    bodyBytesMax: config.BANK_SIM_BODY_BYTES_MAX,
  });
  const server = await startHttpServer({
    host: config.BANK_SIM_HOST,
    port: config.BANK_SIM_PORT,
    route,
    metrics,
    logger,
  });
  logger.info(
    { port: server.port, behaviour: behaviourToJson(book.behaviour()), seed: config.BANK_SIM_SEED },
    "bank-sim listening",
  );

  return {
    port: server.port,
    async stop() {
      await server.stop(config.SHUTDOWN_GRACE_MS, () => book.inFlightCount() > 0);
      stateFile?.close();
    },
  };
}
