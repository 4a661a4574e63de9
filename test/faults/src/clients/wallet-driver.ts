/**
 * Sends writes and reads through either door (gRPC to a chosen wallet, or the REST gateway),
 * sorts every answer, feeds acknowledged effects to the reference model, and keeps the writes
 * whose outcome is unknown until `reconcile` resolves them by idempotent retry: the retry either
 * takes effect now, or answers ALREADY_EXISTS with the original, or is refused for good.
 */
import { createWalletClient, timestampFromDate, type WalletClient } from "@wallet/proto";
import { sleep } from "@wallet/test-kit";
import { fromWireTransaction, type WriteKind } from "../model/acked-transaction.js";
import type { ReferenceModel } from "../model/reference-model.js";
import { addViolation, type ScenarioReport } from "../report/scenario-report.js";
import { requestJson } from "./http-request.js";
import { grpcErrorOutcome, httpOutcome, type WriteOutcome } from "./write-outcome.js";

export type Door = { via: "grpc"; wallet: 0 | 1 } | { via: "http" };

export interface WriteRequest {
  kind: WriteKind;
  userId: bigint;
  amount: bigint;
  key: string;
  /** Charges only: epoch milliseconds the amount stays locked until. */
  releaseAtMs?: number;
}

interface Unknown {
  request: WriteRequest;
  report: ScenarioReport;
  /** The last answer that left it unknown, for the violation line. */
  lastAnswer?: string;
}

export interface WalletDriverOptions {
  model: ReferenceModel;
  walletAddresses: readonly [string, string];
  gatewayUrl: string;
  /** Deadline of every gRPC call and HTTP request the load sends. */
  callTimeoutMs: number;
}

/** Quick reconnects: a restarted wallet should get traffic again within a second. */
const channelOptions = {
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.min_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1_000,
};

export class WalletDriver {
  readonly clients: readonly [WalletClient, WalletClient];
  private readonly unknowns: Unknown[] = [];

  constructor(private readonly options: WalletDriverOptions) {
    this.clients = [
      createWalletClient(options.walletAddresses[0], options.callTimeoutMs, channelOptions),
      createWalletClient(options.walletAddresses[1], options.callTimeoutMs, channelOptions),
    ];
  }

  get model(): ReferenceModel {
    return this.options.model;
  }

  /** A write sent outside the driver whose outcome is unknown: reconcile resolves it with the rest. */
  addUnknown(request: WriteRequest, report: ScenarioReport): void {
    this.unknowns.push({ request, report });
  }

  unknownCount(): number {
    return this.unknowns.length;
  }

  /** Sends one write, records what its answer means, and returns the answer's meaning. */
  async write(
    request: WriteRequest,
    door: Door,
    report: ScenarioReport,
    timeoutMs = this.options.callTimeoutMs,
  ): Promise<WriteOutcome> {
    report.operationsSent += 1;
    const outcome =
      door.via === "grpc"
        ? await this.writeGrpc(request, this.clients[door.wallet], timeoutMs)
        : await this.writeHttp(request, timeoutMs);
    this.record(request, outcome, report);
    return outcome;
  }

  /**
   * Retries every unknown write with its original key and parameters until each is resolved or
   * `timeoutMs` passes; what stays unknown is a violation (a client could not reconcile it).
   */
  async reconcile(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let round = 0;
    while (this.unknowns.length > 0 && Date.now() < deadline) {
      const batch = this.unknowns.splice(0);
      round += 1;
      await mapLimit(batch, 16, async ({ request, report }) => {
        report.operationsSent += 1;
        const outcome = await this.writeGrpc(
          request,
          this.clients[round % 2 === 0 ? 0 : 1],
          this.options.callTimeoutMs,
        );
        this.record(request, outcome, report);
        const last = this.unknowns[this.unknowns.length - 1];
        if (outcome.kind === "unknown" && last?.request === request)
          last.lastAnswer = `${outcome.code} ${outcome.message}`;
      });
      if (this.unknowns.length > 0) await sleep(300);
    }
    for (const { request, report, lastAnswer } of this.unknowns.splice(0)) {
      addViolation(
        report,
        "unresolved outcome",
        `${request.kind} user ${request.userId} key ${request.key}: still unknown after ${timeoutMs} ms of retries (last answer ${lastAnswer ?? "none"})`,
      );
    }
  }

  private record(request: WriteRequest, outcome: WriteOutcome, report: ScenarioReport): void {
    switch (outcome.kind) {
      case "acked":
        this.checkMatches(request, outcome.tx, report, "acknowledged");
        this.model.apply(outcome.tx, report.name);
        return;
      case "duplicate":
        if (!outcome.original) {
          addViolation(
            report,
            "duplicate answered wrongly",
            `${request.kind} key ${request.key}: ${outcome.code} without the original transaction`,
          );
          return;
        }
        this.checkMatches(request, outcome.original, report, "the original of a duplicate");
        this.model.apply(outcome.original, report.name);
        return;
      case "refused":
        return;
      case "unknown":
        if (outcome.internal)
          addViolation(
            report,
            "internal error",
            `${request.kind} user ${request.userId}: ${outcome.code} ${outcome.message}`,
          );
        this.unknowns.push({ request, report });
        return;
    }
  }

  private checkMatches(
    request: WriteRequest,
    tx: { userId: bigint; kind: WriteKind; amount: bigint },
    report: ScenarioReport,
    what: string,
  ): void {
    if (tx.userId !== request.userId || tx.kind !== request.kind || tx.amount !== request.amount) {
      addViolation(
        report,
        "duplicate answered wrongly",
        `key ${request.key}: sent ${request.kind} ${request.amount} for user ${request.userId}, ${what} is ${tx.kind} ${tx.amount} for user ${tx.userId}`,
      );
    }
  }

  private async writeGrpc(
    request: WriteRequest,
    client: WalletClient,
    timeoutMs: number,
  ): Promise<WriteOutcome> {
    try {
      const common = {
        userId: request.userId,
        amount: request.amount,
        idempotencyKey: request.key,
      };
      const options = { deadlineMs: timeoutMs };
      const response =
        request.kind === "charge"
          ? await client.charge(
              {
                ...common,
                releaseAt:
                  request.releaseAtMs === undefined
                    ? undefined
                    : timestampFromDate(new Date(request.releaseAtMs)),
              },
              options,
            )
          : await client.withdraw(common, options);
      const tx = fromWireTransaction(response.transaction);
      return tx
        ? { kind: "acked", tx }
        : {
            kind: "unknown",
            code: "MALFORMED_SUCCESS",
            internal: true,
            message: "no transaction in the answer",
          };
    } catch (err) {
      return grpcErrorOutcome(err);
    }
  }

  private async writeHttp(request: WriteRequest, timeoutMs: number): Promise<WriteOutcome> {
    const body: Record<string, string> = {
      user_id: request.userId.toString(),
      amount: request.amount.toString(),
      idempotency_key: request.key,
    };
    if (request.releaseAtMs !== undefined)
      body.release_at = new Date(request.releaseAtMs).toISOString();
    const answer = await requestJson(this.options.gatewayUrl, {
      method: "POST",
      path: request.kind === "charge" ? "/charge" : "/withdraw",
      body: JSON.stringify(body),
      timeoutMs,
    });
    if (answer.kind === "failed")
      return { kind: "unknown", code: "HTTP_TRANSPORT", internal: false, message: answer.message };
    return httpOutcome(answer.status, answer.json);
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  });
  await Promise.all(runners);
}
