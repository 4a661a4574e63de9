/**
 * Scenario 4b: malformed protobuf bytes sent raw to the wallet's gRPC port (a custom serializer
 * that returns the bytes as they are): random bytes, valid requests truncated or with a byte
 * flipped, varints that overflow, lengths that overrun the buffer, groups that never end, and
 * messages past the size limit. A request the server cannot parse is the client's mistake:
 * INVALID_ARGUMENT (or RESOURCE_EXHAUSTED past the size limit), never INTERNAL, never a crash.
 */
import fc from "fast-check";
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { ChargeRequest, ChargeResponse, WithdrawRequest, WithdrawResponse } from "@wallet/proto";
import { fromWireTransaction } from "../model/acked-transaction.js";
import { verifyScenario } from "../checks/verify-scenario.js";
import { newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { hostileUsers } from "./hostile-arbitraries.js";
import { judgeHostile, newTally, tallyText, type HostileVerdict } from "./hostile-check.js";
import { judgeGrpcError } from "./hostile-grpc.js";
import { runProperty } from "./property-runner.js";

const methods = ["Charge", "Withdraw", "GetBalance", "ListTransactions", "GetTransaction"] as const;
type Method = (typeof methods)[number];

type Mutation =
  | { kind: "random"; bytes: Uint8Array }
  | { kind: "truncate"; at: number }
  | { kind: "flip"; at: number; xor: number }
  | { kind: "append"; bytes: Uint8Array }
  | { kind: "crafted"; bytes: Uint8Array };

/** Hand-made shapes a decoder must refuse. */
const crafted: readonly Uint8Array[] = [
  Uint8Array.from([0x08, ...Array<number>(10).fill(0xff), 0x01]), // user_id varint longer than 10 bytes
  Uint8Array.from([0x1a, 0x7f, 0x41]), // idempotency_key claims 127 bytes, has 1
  Uint8Array.from([0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x41]), // a length of 4 GiB
  Uint8Array.from([0x0e, 0x01]), // wire type 6 does not exist
  Uint8Array.from([0x0f, 0x01]), // nor does wire type 7
  Uint8Array.from(Array<number>(5_000).fill(0x0b)), // 5,000 nested groups that never end
  Uint8Array.from([0x0c]), // an end-group with no start
  Uint8Array.from([0x00, 0x01]), // field number 0
  Uint8Array.from([0x22, 0x03, 0x08, 0xff, 0xff]), // release_at whose seconds varint is cut
  Uint8Array.from([0x1a, 0x02, 0xc3, 0x28]), // a key that is not UTF-8
  Uint8Array.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]), // amount overflowing 64 bits
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("random" as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
  fc.record({
    kind: fc.constant("random" as const),
    bytes: fc
      .constantFrom(100_000)
      .map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) % 256)),
  }),
  fc.record({
    kind: fc.constant("truncate" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    xor: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant("append" as const),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant("crafted" as const), bytes: fc.constantFrom(...crafted) }),
);

export async function rawProtobuf(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("4b malformed protobuf");
  const tally = newTally();
  const raw = [0, 1].map(
    (i) => new Client(ctx.system.walletAddresses[i as 0 | 1], credentials.createInsecure()),
  );
  try {
    const arbitrary = fc.record({ method: fc.constantFrom(...methods), mutation });
    await runProperty(
      report,
      "raw protobuf",
      arbitrary,
      (ctx.seed + 5) >>> 0,
      ctx.settings.hostileRuns,
      async ({ method, mutation: m }, run) => {
        const bytes = mutate(validEncoding(method, ctx.newKey("raw")), m);
        const wallet = run % 2 === 0 ? 0 : 1;
        const describe = `${method} with ${m.kind} bytes ${Buffer.from(bytes.subarray(0, 48)).toString("hex")}${bytes.length > 48 ? `... (${bytes.length} bytes)` : ""} via wallet-${wallet}`;
        await judgeHostile(
          ctx,
          report,
          tally,
          wallet === 0 ? "wallet-0" : "wallet-1",
          describe,
          () => sendRaw(raw[wallet]!, method, bytes),
        );
      },
      crafted.map((bytes, i) => ({
        method: methods[i % methods.length]!,
        mutation: { kind: "crafted" as const, bytes },
      })),
    );
  } finally {
    for (const client of raw) client.close();
  }
  report.faultsInjected = tally.sent;
  report.notes.push(`answers: ${tallyText(tally)}`);
  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  return report;
}

/** A well-formed request to start mutating from; writes carry a fresh key so they never collide. */
function validEncoding(method: Method, key: string): Uint8Array {
  const userId = hostileUsers[0];
  switch (method) {
    case "Charge":
      return ChargeRequest.encode({
        userId,
        amount: 7n,
        idempotencyKey: key,
        releaseAt: { seconds: 1_700_000_000n, nanos: 0 },
      }).finish();
    case "Withdraw":
      return WithdrawRequest.encode({ userId, amount: 3n, idempotencyKey: key }).finish();
    case "GetBalance":
      return Uint8Array.from([0x08, 0x81, 0xf2, 0xc6, 0x13]);
    case "ListTransactions":
      return Uint8Array.from([0x08, 0x81, 0xf2, 0xc6, 0x13, 0x10, 0x05]);
    case "GetTransaction":
      return Uint8Array.from(
        Buffer.concat([
          Buffer.from([0x0a, 36]),
          Buffer.from("00000000-0000-4000-8000-000000000000"),
        ]),
      );
  }
}

function mutate(valid: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case "random":
    case "crafted":
      return m.bytes;
    case "truncate":
      return valid.subarray(0, Math.floor(m.at * valid.length));
    case "flip": {
      const copy = Uint8Array.from(valid);
      const at = Math.min(copy.length - 1, Math.floor(m.at * copy.length));
      copy[at] = copy[at]! ^ m.xor;
      return copy;
    }
    case "append":
      return Uint8Array.from([...valid, ...m.bytes]);
  }
}

function sendRaw(client: Client, method: Method, bytes: Uint8Array): Promise<HostileVerdict> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Uint8Array, Buffer>(
      `/wallet.v1.WalletService/${method}`,
      (value) => Buffer.from(value),
      (buffer) => buffer,
      bytes,
      new Metadata(),
      { deadline: new Date(Date.now() + 5_000) },
      (err: ServiceError | null, response?: Buffer) => {
        if (err) {
          resolve(judgeGrpcError(err));
          return;
        }
        // The bytes happened to be a valid request and it took effect: the model must know.
        const decoded =
          method === "Charge"
            ? ChargeResponse.decode(response!)
            : method === "Withdraw"
              ? WithdrawResponse.decode(response!)
              : undefined;
        resolve({
          answer: "OK",
          accepted: fromWireTransaction(decoded?.transaction),
          refused: decoded === undefined,
          violations: [],
        });
      },
    );
  });
}
