/**
 * A stand-in wallet gRPC server in the test process, for the answers a real wallet will not give
 * on demand: every gRPC status, a deadline overrun, a contract break. It records what it received.
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type sendUnaryData,
} from "@grpc/grpc-js";
import {
  requestIdKey,
  TransactionStatus,
  TransactionType,
  WalletServiceService,
  type Transaction,
  type WalletServiceServer,
} from "@wallet/proto";

export type FakeAnswer =
  | { kind: "ok"; transaction?: Transaction }
  | { kind: "error"; code: status; details: string; metadata?: Metadata }
  | { kind: "delay"; delayMs: number };

export interface ReceivedCall {
  method: string;
  request: unknown;
  requestId: string | undefined;
}

export interface FakeWallet {
  readonly address: string;
  readonly calls: ReceivedCall[];
  /** What every call answers until changed. */
  answer: FakeAnswer;
  close(): Promise<void>;
}

export function sampleTransaction(overrides: Partial<Transaction> = {}): Transaction {
  return {
    id: "0b6f1f0e-8d5e-4d1c-9a7b-2f1f4b8e9c01",
    userId: 1n,
    type: TransactionType.TRANSACTION_TYPE_CHARGE,
    amount: 1n,
    status: TransactionStatus.TRANSACTION_STATUS_COMPLETED,
    idempotencyKey: "k",
    releaseAt: undefined,
    createdAt: { seconds: 1705744800n, nanos: 0 },
    updatedAt: { seconds: 1705744800n, nanos: 0 },
    bankReference: "",
    failureReason: "",
    relatedTransactionId: "",
    ...overrides,
  };
}

export async function startFakeWallet(): Promise<FakeWallet> {
  const calls: ReceivedCall[] = [];
  const fake = { answer: { kind: "ok" } as FakeAnswer };

  function unary<Req, Res>(
    method: string,
    respond: (request: Req, transaction: Transaction) => Res,
  ) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const [requestId] = call.metadata.get(requestIdKey);
      calls.push({
        method,
        request: call.request,
        requestId: typeof requestId === "string" ? requestId : undefined,
      });
      const answer = fake.answer;
      if (answer.kind === "error") {
        callback({
          code: answer.code,
          details: answer.details,
          metadata: answer.metadata ?? new Metadata(),
          name: "Error",
          message: answer.details,
        });
      } else if (answer.kind === "delay") {
        setTimeout(
          () => callback(null, respond(call.request, sampleTransaction())),
          answer.delayMs,
        );
      } else {
        callback(null, respond(call.request, answer.transaction ?? sampleTransaction()));
      }
    };
  }

  const service: WalletServiceServer = {
    charge: unary("Charge", (_request, transaction) => ({ transaction })),
    withdraw: unary("Withdraw", (_request, transaction) => ({ transaction })),
    getTransaction: unary("GetTransaction", (_request, transaction) => ({ transaction })),
    listTransactions: unary("ListTransactions", (_request, transaction) => ({
      transactions: [transaction],
      nextPageToken: "",
    })),
    getBalance: unary("GetBalance", (request: { userId: bigint }) => ({
      balance: {
        userId: request.userId,
        available: 0n,
        locked: 0n,
        pending: 0n,
        total: 0n,
        asOf: { seconds: 1705744800n, nanos: 0 },
      },
    })),
  };
  const server = new Server();
  server.addService(WalletServiceService, service);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return Object.assign(fake, {
    address: `127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  });
}
