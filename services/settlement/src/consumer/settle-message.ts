/**
 * Settles one withdrawal request message: one bank call, then a final result or a retry.
 *
 * The acknowledgement sequence is what makes settlement safe across crashes:
 * 1. call the bank with the transaction id as idempotency key (a repeat pays nothing more);
 * 2. publish the result with Nats-Msg-Id = resultMessageId(...) and wait for JetStream's PubAck
 *    (a republish after a crash is dropped as a duplicate);
 * 3. only then ack the request. The ack is not confirmed (no double ack): a lost one costs only a
 *    redelivery, which the two keys above make harmless, while confirming costs a round trip each.
 * A crash anywhere before step 3 leaves the request unacked; JetStream redelivers it and the
 * sequence runs again with the same keys. Unknown bank outcomes are handed back with
 * nak(backoff), so a retry occupies no worker while it waits.
 */
import {
  decodeWithdrawalRequested,
  MessageFormatError,
  resultMessageId,
  type WithdrawalRequested,
  type WithdrawalResult,
} from "@wallet/messages";
import type { Logger } from "@wallet/logger";
import type { BankClient } from "../bank/bank-client.js";
import { backoffDelayMs, type Random } from "../domain/backoff.js";
import { classifyBankObservation, type BankOutcome } from "../domain/bank-outcome.js";
import { decideSettlement, type RetryPolicy } from "../domain/settlement-decision.js";
import type { SettlementMetrics } from "../metrics.js";

/** The part of a JetStream message settlement uses; JsMsg satisfies it, and tests fake it. */
export interface RequestMessage {
  readonly data: Uint8Array;
  readonly seq: number;
  readonly info: { readonly deliveryCount: number };
  working(): void;
  nak(delayMs?: number): void;
  term(): void;
  ack(): void;
}

export interface ResultPublisher {
  /** Resolves once JetStream has stored the result (or recognised it as a duplicate). */
  publish(result: WithdrawalResult, messageId: string): Promise<void>;
}

export interface SettleMessageDeps {
  bank: BankClient;
  results: ResultPublisher;
  metrics: SettlementMetrics;
  logger: Logger;
  policy: RetryPolicy & {
    /** JetStream's delivery limit: past it a handed-back message is dropped, so that is logged loudly. */
    maxDeliver: number;
    /** How often a running call tells JetStream the message is still being worked on. */
    workingIntervalMs: number;
  };
  random?: Random;
  monotonicMs?: () => number;
}

/**
 * Handles one message; `signal` aborts the bank call when shutdown runs out of grace. Once the
 * bank has answered it calls `releaseWorker`: publishing the result and acking need no worker.
 */
export type SettleMessage = (
  message: RequestMessage,
  signal: AbortSignal,
  releaseWorker?: () => void,
) => Promise<void>;

export function createSettleMessage(deps: SettleMessageDeps): SettleMessage {
  const { bank, results, metrics, policy } = deps;
  const now = deps.monotonicMs ?? (() => performance.now());

  return async function settleMessage(message, signal, releaseWorker) {
    let request: WithdrawalRequested;
    try {
      request = decodeWithdrawalRequested(message.data);
    } catch (err) {
      if (!(err instanceof MessageFormatError)) throw err;
      metrics.poisonMessages.inc();
      deps.logger.error({ err, streamSeq: message.seq }, "malformed withdrawal request terminated");
      // No reason text: servers before 2.11 do not recognise "+TERM <reason>" and would ignore it.
      message.term();
      return;
    }

    const attempt = message.info.deliveryCount;
    const logger = deps.logger.child({
      transactionId: request.transactionId,
      userId: request.userId.toString(),
      amountMinor: request.amountMinor.toString(),
      requestAttempt: request.attempt,
      delivery: attempt,
    });
    if (attempt > 1) metrics.redeliveries.inc();

    const handBack = (delayMs: number, why: string) => {
      if (attempt >= policy.maxDeliver) {
        logger.error(
          { maxDeliver: policy.maxDeliver },
          `${why}; JetStream will not redeliver this message: the withdrawal stays pending for an operator`,
        );
      }
      message.nak(delayMs);
    };

    const workingTimer = setInterval(() => message.working(), policy.workingIntervalMs);
    try {
      await settle(request, message, signal, logger, attempt, handBack, releaseWorker);
    } catch (err) {
      // A bug, not a bank or NATS problem: hand the message back rather than leave it to the ack wait.
      const delayMs = backoffDelayMs(attempt, policy.backoff, deps.random);
      logger.error(
        { err, retryInMs: delayMs },
        "unexpected error while settling; the request will be retried",
      );
      handBack(delayMs, "unexpected error");
    } finally {
      clearInterval(workingTimer);
    }
  };

  async function settle(
    request: WithdrawalRequested,
    message: RequestMessage,
    signal: AbortSignal,
    logger: Logger,
    attempt: number,
    handBack: (delayMs: number, why: string) => void,
    releaseWorker: (() => void) | undefined,
  ): Promise<void> {
    const outcome = await callBank(request, signal, logger);
    releaseWorker?.();
    if (outcome === undefined) {
      // Shutdown cut the call short: whether the bank paid is unknown, and another instance
      // (or this one after a restart) asks again with the same key.
      message.nak();
      return;
    }
    const decision = decideSettlement(outcome, attempt, policy, deps.random);

    if (decision.action === "retry") {
      metrics.retriesScheduled.inc();
      logger.warn(
        {
          kind: outcome.outcome === "unknown" ? outcome.kind : undefined,
          detail: outcome.outcome === "unknown" ? outcome.detail : undefined,
          retryInMs: decision.delayMs,
        },
        "bank outcome unknown; retrying later",
      );
      handBack(decision.delayMs, "bank outcome unknown");
      return;
    }

    const result: WithdrawalResult = {
      transactionId: request.transactionId,
      outcome: decision.outcome,
      bankReference: decision.bankReference,
      reason: decision.reason,
      // Deliveries of this request: an upper bound on the payout calls made for it.
      bankCalls: attempt,
    };
    try {
      await results.publish(result, resultMessageId(request.transactionId, request.attempt));
    } catch (err) {
      metrics.resultPublishFailures.inc();
      const delayMs = backoffDelayMs(attempt, policy.backoff, deps.random);
      logger.error(
        { err, outcome: decision.outcome, retryInMs: delayMs },
        "result not published; the request will be retried",
      );
      handBack(delayMs, "result not published");
      return;
    }
    metrics.results.inc({ outcome: decision.outcome });
    if (decision.outcome === "parked") {
      metrics.parked.inc();
      logger.warn({ reason: decision.reason }, "withdrawal parked for an operator");
    } else {
      // A completion is recorded on the withdrawal's row once the wallet applies it: debug. A
      // refusal, which the wallet refunds, is worth a line at info.
      const level = decision.outcome === "completed" ? "debug" : "info";
      logger[level](
        {
          outcome: decision.outcome,
          bankReference: decision.bankReference,
          reason: decision.reason,
        },
        "withdrawal settled",
      );
    }

    message.ack();
  }

  /** One bank call, classified and measured; undefined when shutdown aborted it. */
  async function callBank(
    request: WithdrawalRequested,
    signal: AbortSignal,
    logger: Logger,
  ): Promise<BankOutcome | undefined> {
    const startedMs = now();
    metrics.bankCallsInFlight.inc();
    try {
      const observation = await bank.requestPayout(
        {
          reference: request.transactionId,
          userId: request.userId,
          amountMinor: request.amountMinor,
        },
        signal,
      );
      const outcome = classifyBankObservation(observation);
      metrics.bankCall(outcome, (now() - startedMs) / 1_000);
      return outcome;
    } catch (err) {
      if (signal.aborted) {
        logger.warn("bank call cut short by shutdown; handing the request back");
        return undefined;
      }
      throw err;
    } finally {
      metrics.bankCallsInFlight.dec();
    }
  }
}
