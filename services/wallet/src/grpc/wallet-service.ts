/**
 * wallet.v1.WalletService handlers: decode and validate the request, call the ledger, encode the
 * answer. Every call is logged once with its request id, method, status code and duration.
 */
import { Metadata, status, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import {
  requestIdKey,
  requestIdOrNew,
  timestampToEpochMs,
  type WalletServiceServer,
} from "@wallet/proto";
import { WalletError } from "@wallet/errors";
import type { Logger } from "@wallet/logger";
import {
  requireTransactionId,
  requireUserId,
  validateCharge,
  validatePageSize,
  validateWithdraw,
  type ValidationLimits,
} from "../domain/commands.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import type { Ledger } from "../ledger.js";
import { toWireBalance, toWireTransaction } from "./convert.js";
import { grpcStatusByCode, toServiceError } from "./error-status.js";
import { requireWellFormed } from "./malformed-request.js";

/** Writes one debug line in the call's context (its request id and method). */
type DebugLine = (fields: Record<string, unknown>, message: string) => void;

export interface RpcObserver {
  /** Called once per finished call, for metrics. */
  onCallFinished(method: string, code: status, durationSeconds: number): void;
}

export interface WalletServiceDeps {
  ledger: Ledger;
  logger: Logger;
  limits: ValidationLimits;
  observer?: RpcObserver;
  now?: () => Date;
}

export function createWalletService(deps: WalletServiceDeps): WalletServiceServer {
  const now = deps.now ?? (() => new Date());

  function unary<Req, Res>(
    method: string,
    handle: (request: Req, debug: DebugLine) => Promise<Res>,
  ) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const started = process.hrtime.bigint();
      const requestId = requestIdOrNew(call.metadata.get(requestIdKey)[0]);
      // The call's child logger is made on its first line: building one serialises its bindings,
      // and at the default level a successful call writes none.
      let callLog: Logger | undefined;
      const log = () => (callLog ??= deps.logger.child({ requestId, method }));
      const debug: DebugLine = (fields, message) => {
        if (deps.logger.isLevelEnabled("debug")) log().debug(fields, message);
      };
      const finish = (code: status) => {
        const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
        deps.observer?.onCallFinished(method, code, durationSeconds);
        debug(
          { code: status[code], durationMs: Math.round(durationSeconds * 1e4) / 10 },
          "rpc finished",
        );
      };
      // The request id goes back in the trailers, which leave with the status anyway, because
      // early headers cost a socket write of their own per call
      // (docs/decisions/2026-11-26-request-id-in-trailers.md).
      const trailer = new Metadata();
      trailer.set(requestIdKey, requestId);
      Promise.resolve()
        .then(() => {
          requireWellFormed(call.request);
          return handle(call.request, debug);
        })
        .then(
          (response) => {
            finish(status.OK);
            callback(null, response, trailer);
          },
          (err: unknown) => {
            const walletErr = WalletError.from(err);
            if (walletErr.code === "INTERNAL") log().error({ err }, "rpc failed unexpectedly");
            else if (walletErr.code === "DEPENDENCY_UNAVAILABLE")
              log().warn({ err: walletErr.cause }, "dependency unavailable");
            finish(grpcStatusByCode[walletErr.code]);
            const serviceError = toServiceError(walletErr);
            serviceError.metadata.set(requestIdKey, requestId);
            callback(serviceError);
          },
        );
    };
  }

  return {
    charge: unary("Charge", async (request, debug) => {
      const command = validateCharge(
        {
          userId: request.userId,
          amount: request.amount,
          idempotencyKey: request.idempotencyKey,
          releaseAtEpochMs: request.releaseAt
            ? (timestampToEpochMs(request.releaseAt) ?? null)
            : undefined,
        },
        deps.limits,
        now(),
      );
      const transaction = await deps.ledger.charge(command);
      // debug: the transactions table is the record of every write; a log line per write costs a
      // stdout write on the hot path.
      debug(
        { transactionId: transaction.id, userId: command.userId, amount: command.amountMinor },
        "charged",
      );
      return { transaction: toWireTransaction(transaction) };
    }),

    withdraw: unary("Withdraw", async (request, debug) => {
      const command = validateWithdraw(request);
      const transaction = await deps.ledger.withdraw(command);
      debug(
        { transactionId: transaction.id, userId: command.userId, amount: command.amountMinor },
        "withdrawal accepted",
      );
      return { transaction: toWireTransaction(transaction) };
    }),

    getBalance: unary("GetBalance", async (request) => {
      const balance = await deps.ledger.getBalance(requireUserId(request.userId));
      return { balance: toWireBalance(balance) };
    }),

    listTransactions: unary("ListTransactions", async (request) => {
      const userId = requireUserId(request.userId);
      const pageSize = validatePageSize(request.pageSize);
      const beforeSeq = decodePageToken(request.pageToken);
      const page = await deps.ledger.listTransactions(userId, pageSize, beforeSeq);
      return {
        transactions: page.transactions.map(toWireTransaction),
        nextPageToken: page.nextAfterSeq === undefined ? "" : encodePageToken(page.nextAfterSeq),
      };
    }),

    getTransaction: unary("GetTransaction", async (request) => {
      const transaction = await deps.ledger.getTransaction(requireTransactionId(request.id));
      return { transaction: toWireTransaction(transaction) };
    }),
  };
}
