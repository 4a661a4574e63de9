/** GET /balance, GET /transactions (page/limit) and GET /transactions/{id}. */
import type { FastifyInstance } from "fastify";
import type { WalletClient } from "@wallet/proto";
import { parsePositiveInt64 } from "../amount.js";
import { fetchOffsetPage } from "../offset-page.js";
import { balanceJson, transactionJson } from "../response-json.js";
import { balanceSchema, getTransactionSchema, listTransactionsSchema } from "../schemas.js";

export interface ReadRouteLimits {
  /** The deepest page GET /transactions walks to. */
  pageMax: number;
}

export function registerReadRoutes(
  app: FastifyInstance,
  wallet: WalletClient,
  limits: ReadRouteLimits,
): void {
  app.get<{ Querystring: { user_id: string } }>(
    "/balance",
    { schema: balanceSchema },
    async (request) => {
      const response = await wallet.getBalance(
        { userId: parsePositiveInt64("user_id", request.query.user_id) },
        { requestId: request.id },
      );
      return balanceJson(response.balance);
    },
  );

  app.get<{ Querystring: { user_id: string; page: number; limit: number } }>(
    "/transactions",
    { schema: listTransactionsSchema(limits.pageMax) },
    async (request) => {
      const { page, limit } = request.query;
      const userId = parsePositiveInt64("user_id", request.query.user_id);
      const result = await fetchOffsetPage(
        (req) => wallet.listTransactions(req, { requestId: request.id }),
        userId,
        page,
        limit,
      );
      return {
        transactions: result.transactions.map(transactionJson),
        page,
        limit,
        has_more: result.hasMore,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/transactions/:id",
    { schema: getTransactionSchema },
    async (request) => {
      const response = await wallet.getTransaction(
        { id: request.params.id },
        { requestId: request.id },
      );
      return { transaction: transactionJson(response.transaction) };
    },
  );
}
