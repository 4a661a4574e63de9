/**
 * A promise-based wallet.v1 client with a deadline on every call. Used by the gateway, the
 * bench load generator and the tests; callers that need raw grpc-js can use `raw`.
 */
import { credentials, Metadata, type ServiceError, type ClientOptions } from "@grpc/grpc-js";
import {
  WalletServiceClient,
  type ChargeRequest,
  type ChargeResponse,
  type GetBalanceRequest,
  type GetBalanceResponse,
  type GetTransactionRequest,
  type GetTransactionResponse,
  type ListTransactionsRequest,
  type ListTransactionsResponse,
  type WithdrawRequest,
  type WithdrawResponse,
} from "./gen/wallet/v1/wallet.js";
import { requestIdKey } from "./contract.js";

export interface CallOptions {
  /** Defaults to the client's deadline. */
  deadlineMs?: number;
  requestId?: string;
}

export interface WalletClient {
  readonly raw: WalletServiceClient;
  charge(request: ChargeRequest, options?: CallOptions): Promise<ChargeResponse>;
  withdraw(request: WithdrawRequest, options?: CallOptions): Promise<WithdrawResponse>;
  getBalance(request: GetBalanceRequest, options?: CallOptions): Promise<GetBalanceResponse>;
  listTransactions(
    request: ListTransactionsRequest,
    options?: CallOptions,
  ): Promise<ListTransactionsResponse>;
  getTransaction(
    request: GetTransactionRequest,
    options?: CallOptions,
  ): Promise<GetTransactionResponse>;
  close(): void;
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

export function createWalletClient(
  address: string,
  deadlineMs = 5_000,
  options: Partial<ClientOptions> = {},
): WalletClient {
  const raw = new WalletServiceClient(address, credentials.createInsecure(), options);

  function call<Req, Res>(method: UnaryMethod<Req, Res>) {
    return (request: Req, callOptions: CallOptions = {}) =>
      new Promise<Res>((resolve, reject) => {
        const metadata = new Metadata();
        if (callOptions.requestId) metadata.set(requestIdKey, callOptions.requestId);
        const deadline = new Date(Date.now() + (callOptions.deadlineMs ?? deadlineMs));
        method(request, metadata, { deadline }, (err, response) =>
          err ? reject(err) : resolve(response),
        );
      });
  }

  return {
    raw,
    charge: call(raw.charge.bind(raw) as UnaryMethod<ChargeRequest, ChargeResponse>),
    withdraw: call(raw.withdraw.bind(raw) as UnaryMethod<WithdrawRequest, WithdrawResponse>),
    getBalance: call(
      raw.getBalance.bind(raw) as UnaryMethod<GetBalanceRequest, GetBalanceResponse>,
    ),
    listTransactions: call(
      raw.listTransactions.bind(raw) as UnaryMethod<
        ListTransactionsRequest,
        ListTransactionsResponse
      >,
    ),
    getTransaction: call(
      raw.getTransaction.bind(raw) as UnaryMethod<GetTransactionRequest, GetTransactionResponse>,
    ),
    close: () => raw.close(),
  };
}
