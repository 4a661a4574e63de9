/**
 * The raw-SQL baselines: what a charge costs when a client talks to PostgreSQL directly, with no
 * service, no gRPC and no idempotency lookup. They run on the wallet's own tables (the migrations
 * are applied to a scratch database), so indexes and constraints cost the same as in the service.
 */

export interface PgbenchVariant {
  name: string;
  description: string;
  /** A pgbench custom script (-f). */
  script(userCount: number): string;
}

/** The hot user sits past the spread users, as in the gRPC scenarios. */
export const hotUserId = (userCount: number) => userCount + 1;

const chargeAmountMinor = 100;

const insertCharge = `insert into transactions (user_id, type, amount, status, idempotency_key)
  values (:uid, 'charge', ${chargeAmountMinor}, 'completed', gen_random_uuid()::text)`;

// One transaction per charge, two statements: the row, then the balance.
const twoStatements = (pickUser: string) => `${pickUser}
begin;
${insertCharge};
update wallets set available = available + ${chargeAmountMinor}, updated_at = now() where user_id = :uid;
end;
`;

// The same charge folded into one statement, as the wallet itself does it.
const oneStatement = (pickUser: string) => `${pickUser}
with tx as (
  ${insertCharge}
  returning user_id, amount
)
update wallets w set available = w.available + tx.amount, updated_at = now() from tx where w.user_id = tx.user_id;
`;

const spreadUser = (userCount: number) => `\\set uid random(1, ${userCount})`;
const hotUser = (userCount: number) => `\\set uid ${hotUserId(userCount)}`;

export const pgbenchVariants: readonly PgbenchVariant[] = [
  {
    name: "raw-sql-charge",
    description: "INSERT + UPDATE in one transaction, 10,000 users",
    script: (n) => twoStatements(spreadUser(n)),
  },
  {
    name: "raw-sql-charge-hot",
    description: "INSERT + UPDATE in one transaction, one user",
    script: (n) => twoStatements(hotUser(n)),
  },
  {
    name: "raw-sql-charge-1stmt",
    description: "one CTE statement, 10,000 users",
    script: (n) => oneStatement(spreadUser(n)),
  },
  {
    name: "raw-sql-charge-1stmt-hot",
    description: "one CTE statement, one user",
    script: (n) => oneStatement(hotUser(n)),
  },
  // Run at a fixed rate (pgbench -R) by the bench, not as fast as it goes.
  {
    name: "raw-sql-charge-latency",
    description: "one CTE statement, 10,000 users, at a fixed rate",
    script: (n) => oneStatement(spreadUser(n)),
  },
];
