/**
 * Every scenario and baseline the bench knows, in the order a run executes them. Baselines come
 * first so each scenario's reference was measured minutes, not a run, before it; a baseline whose
 * rate comes from a scenario (raw-sql-charge-latency and grpc-noop-latency) comes last.
 */

export const baselineNames = [
  "grpc-noop",
  "raw-sql-charge",
  "raw-sql-charge-hot",
  "raw-sql-charge-1stmt",
  "raw-sql-charge-1stmt-hot",
  "raw-sql-charge-latency",
  "grpc-noop-latency",
] as const;
export const scenarioNames = [
  "charge-spread",
  "charge-hot",
  "balance-read",
  "mixed",
  "withdraw-e2e",
  "withdraw-latency",
  "charge-latency",
] as const;

export type BaselineName = (typeof baselineNames)[number];
export type ScenarioName = (typeof scenarioNames)[number];
export type ItemName = BaselineName | ScenarioName;

export const descriptions: Record<ItemName, string> = {
  "grpc-noop": "grpc.health.v1 Check on grpc-js doing nothing: the RPC layer's own cost",
  "raw-sql-charge": "pgbench: INSERT + UPDATE in one transaction per charge, spread users",
  "raw-sql-charge-hot": "pgbench: INSERT + UPDATE in one transaction per charge, one user",
  "raw-sql-charge-1stmt": "pgbench: the charge as one CTE statement, spread users",
  "raw-sql-charge-1stmt-hot": "pgbench: the charge as one CTE statement, one user",
  "charge-spread": "Charge over the spread users, closed loop, unique idempotency keys",
  "charge-hot": "Charge to one user, closed loop",
  "balance-read": "GetBalance over pre-charged users, closed loop",
  mixed: "70% Charge, 20% GetBalance, 10% Withdraw over pre-charged users, closed loop",
  "withdraw-e2e":
    "Withdraw open loop at the nominal settlement capacity; completions/s and accepted→completed",
  "withdraw-latency":
    "Withdraw open loop at half of withdraw-e2e's completions/s; accepted→completed at a rate settlement keeps up with",
  "charge-latency":
    "Charge open loop at half of charge-spread's throughput; latency under a steady rate",
  "raw-sql-charge-latency":
    "pgbench -R: the one-statement charge at charge-latency's rate, spread users; the tail raw SQL has at that rate",
  "grpc-noop-latency":
    "grpc-noop's Check open loop at charge-latency's rate; the tail gRPC itself has at that rate",
};

/** A latency item's rate comes from its throughput scenario's result in the same run. */
export const prerequisites: Partial<Record<ItemName, ItemName>> = {
  "charge-latency": "charge-spread",
  "withdraw-latency": "withdraw-e2e",
  "raw-sql-charge-latency": "charge-spread",
  "grpc-noop-latency": "charge-spread",
};

export const itemNames: readonly ItemName[] = [
  ...baselineNames.filter((name) => !prerequisites[name]),
  ...scenarioNames,
  ...baselineNames.filter((name) => prerequisites[name]),
];

/** Scenarios that need the wallet system started. */
export const needsSystem = (name: ItemName) => (scenarioNames as readonly string[]).includes(name);
/** Scenarios that need every user to have a balance before they start. */
export const needsSeededUsers = (name: ItemName) =>
  name === "balance-read" ||
  name === "mixed" ||
  name === "withdraw-e2e" ||
  name === "withdraw-latency";
