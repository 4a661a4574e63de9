/** bank-sim's configuration: every variable, its default and its bounds. */
import { intVar, logLevelVar, portVar, z } from "@wallet/config";
import { behaviourProblems, type Behaviour } from "./behaviour.js";

/** A probability in [0, 1]; the outcome rates below are fractions of processed payouts. */
function rateVar(defaultValue: number) {
  return z.coerce
    .number({ error: "must be a number between 0 and 1" })
    .min(0, { error: "must be >= 0" })
    .max(1, { error: "must be <= 1" })
    .default(defaultValue);
}

const envNames = {
  latencyMsMin: "BANK_SIM_LATENCY_MS_MIN",
  latencyMsMax: "BANK_SIM_LATENCY_MS_MAX",
  rejectRate: "BANK_SIM_REJECT_RATE",
  errorRate: "BANK_SIM_ERROR_RATE",
  hangRate: "BANK_SIM_HANG_RATE",
  lostResponseRate: "BANK_SIM_LOST_RESPONSE_RATE",
} as const satisfies Record<keyof Behaviour, string>;

/** The behaviour the bank starts with, and returns to on POST /admin/reset. */
export function behaviourFromConfig(config: {
  BANK_SIM_LATENCY_MS_MIN: number;
  BANK_SIM_LATENCY_MS_MAX: number;
  BANK_SIM_REJECT_RATE: number;
  BANK_SIM_ERROR_RATE: number;
  BANK_SIM_HANG_RATE: number;
  BANK_SIM_LOST_RESPONSE_RATE: number;
}): Behaviour {
  return Object.freeze({
    latencyMsMin: config.BANK_SIM_LATENCY_MS_MIN,
    latencyMsMax: config.BANK_SIM_LATENCY_MS_MAX,
    rejectRate: config.BANK_SIM_REJECT_RATE,
    errorRate: config.BANK_SIM_ERROR_RATE,
    hangRate: config.BANK_SIM_HANG_RATE,
    lostResponseRate: config.BANK_SIM_LOST_RESPONSE_RATE,
  });
}

export const bankSimConfigSchema = z
  .object({
    LOG_LEVEL: logLevelVar,
    BANK_SIM_HOST: z.string().min(1).default("0.0.0.0"),
    BANK_SIM_PORT: portVar(8090),
    /** Each processed payout waits a uniform random time in [min, max] before it is decided. */
    BANK_SIM_LATENCY_MS_MIN: intVar(20, 0, 600_000),
    BANK_SIM_LATENCY_MS_MAX: intVar(200, 0, 600_000),
    BANK_SIM_REJECT_RATE: rateVar(0),
    /** Transient failures: answered 500 or 503, nothing paid, nothing remembered. */
    BANK_SIM_ERROR_RATE: rateVar(0),
    /** Requests that are never answered: the socket is destroyed after BANK_SIM_HANG_MS. */
    BANK_SIM_HANG_RATE: rateVar(0),
    /** Payouts that are paid but whose answer is lost: the socket is destroyed instead. */
    BANK_SIM_LOST_RESPONSE_RATE: rateVar(0),
    BANK_SIM_HANG_MS: intVar(30_000, 1, 600_000),
    /** Makes outcomes and latencies reproducible; unset means a different run each start. */
    BANK_SIM_SEED: z.coerce
      .number({ error: "must be an integer" })
      .int({ error: "must be an integer" })
      .optional(),
    /** Where the ledger survives a crash; unset keeps it in memory only. */
    BANK_SIM_STATE_FILE: z.string().min(1).optional(),
    /** Request bodies larger than this are refused with 413; a payout body is under 200 bytes. */
    BANK_SIM_BODY_BYTES_MAX: intVar(16 * 1024, 256, 1024 * 1024),
    /** References the ledger holds at most; past it new payouts get 503 and nothing is recorded. */
    BANK_SIM_PAYOUTS_MAX: intVar(1_000_000, 1, 50_000_000),
    /** How long shutdown waits for in-flight payouts before cutting their connections. */
    SHUTDOWN_GRACE_MS: intVar(5_000, 0, 120_000),
  })
  .superRefine(
    (config, ctx) => {
      const behaviour = behaviourFromConfig(config);
      // `when` runs this even after a key was out of range, so one start-up lists more problems;
      // the cross-field rules only make sense once each field is a number. (A key that is not a
      // number at all still stops zod before this runs.)
      if (
        !Object.values(behaviour).every(
          (value) => typeof value === "number" && Number.isFinite(value),
        )
      )
        return;
      for (const problem of behaviourProblems(behaviour)) {
        ctx.addIssue({ code: "custom", path: [envNames[problem.field]], message: problem.message });
      }
    },
    { when: () => true },
  );

export type BankSimConfig = Readonly<z.infer<typeof bankSimConfigSchema>>;
