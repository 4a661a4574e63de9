/** Everything a scenario works with, built once per run by run-fault-suite.ts. */
import type { DatabaseProbe } from "./checks/database-probe.js";
import type { WalletDriver } from "./clients/wallet-driver.js";
import type { FaultSystem } from "./infra/fault-system.js";
import type { PrivateNats } from "./infra/private-nats.js";
import type { PrivatePostgres } from "./infra/private-postgres.js";
import type { ReferenceModel } from "./model/reference-model.js";
import type { Random } from "./random.js";
import type { SuiteSettings } from "./suite-settings.js";

export interface SuiteContext {
  readonly seed: number;
  readonly settings: SuiteSettings;
  readonly postgres: PrivatePostgres;
  readonly nats: PrivateNats;
  readonly system: FaultSystem;
  readonly model: ReferenceModel;
  readonly driver: WalletDriver;
  readonly probe: DatabaseProbe;
  readonly random: Random;
  /** What was already reported, so a lasting fault counts once, where it first showed. */
  readonly reported: {
    users: Map<bigint, string>;
    references: Set<string>;
    ledgerLines: Set<string>;
  };
  /** Unique idempotency keys for this run. */
  newKey(prefix: string): string;
}
