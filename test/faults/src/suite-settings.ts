/**
 * The sizes of one run. --ci is the bounded run that must finish in under four minutes on a
 * shared two-core machine; the full run sends more, kills more and generates more hostile input.
 */
export interface SuiteSettings {
  readonly mode: "ci" | "full";
  /** Users of the crash scenario's mixed load. */
  readonly loadUsers: number;
  /** Requests in flight at once in the mixed load. */
  readonly loadConcurrency: number;
  /** kill -9s in the crash scenario, spread over wallet, settlement, gateway and bank-sim. */
  readonly kills: number;
  readonly postgresOutages: number;
  readonly postgresOutageMs: number;
  /** Withdrawals sent through each bad bank behaviour. */
  readonly bankPhaseWithdrawals: number;
  /** Concurrent withdrawals of the overdraft race over 10 users. */
  readonly raceWithdrawals: number;
  /** Keys sent several times at once in the duplicate-key burst. */
  readonly duplicateKeys: number;
  readonly duplicateCopies: number;
  /** Users whose locked charge is released in the middle of a run of withdrawals. */
  readonly releaseUsers: number;
  /** fast-check runs per hostile-input property. */
  readonly hostileRuns: number;
  readonly settleTimeoutMs: number;
  /** Scenario 4d, hostile HTTP/2 on the wallet's port. */
  readonly http2: Http2Sizes;
}

/** Every hostile HTTP/2 case stops at whichever of its bounds it reaches first. */
export interface Http2Sizes {
  /** How long one flood may last. */
  readonly caseMs: number;
  /** Bytes one case may send, over all its connections. */
  readonly caseBytesMax: number;
  /** Streams opened and reset in each rapid-reset case. */
  readonly rapidResets: number;
  /** Connections holding partial messages at once; the wallet allows 256 in all. */
  readonly partialConnections: number;
  /** Idle connections opened in each idle case. */
  readonly idleConnections: number;
  /** How long the 64 concurrent health checkers call. */
  readonly healthCallersMs: number;
}

export const ciSettings: SuiteSettings = {
  mode: "ci",
  loadUsers: 200,
  loadConcurrency: 12,
  kills: 20,
  postgresOutages: 2,
  postgresOutageMs: 5_000,
  bankPhaseWithdrawals: 25,
  raceWithdrawals: 2_000,
  duplicateKeys: 150,
  duplicateCopies: 4,
  releaseUsers: 6,
  hostileRuns: 120,
  settleTimeoutMs: 60_000,
  http2: {
    caseMs: 2_500,
    caseBytesMax: 32 * 1024 * 1024,
    rapidResets: 20_000,
    partialConnections: 16,
    idleConnections: 16,
    healthCallersMs: 10_000,
  },
};

export const fullSettings: SuiteSettings = {
  mode: "full",
  loadUsers: 200,
  loadConcurrency: 24,
  kills: 60,
  postgresOutages: 2,
  postgresOutageMs: 5_000,
  bankPhaseWithdrawals: 80,
  raceWithdrawals: 10_000,
  duplicateKeys: 500,
  duplicateCopies: 6,
  releaseUsers: 12,
  hostileRuns: 600,
  settleTimeoutMs: 120_000,
  http2: {
    caseMs: 15_000,
    caseBytesMax: 512 * 1024 * 1024,
    rapidResets: 200_000,
    partialConnections: 128,
    idleConnections: 128,
    healthCallersMs: 10_000,
  },
};
