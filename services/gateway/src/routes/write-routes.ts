/** POST /charge and POST /withdraw: validate, call the wallet, answer with the transaction. */
import type { FastifyInstance } from "fastify";
import type { WalletClient } from "@wallet/proto";
import { parsePositiveInt64 } from "../amount.js";
import { idempotencyKeyHeader, resolveIdempotencyKey } from "../idempotency-key.js";
import { transactionJson } from "../response-json.js";
import { chargeSchema, withdrawSchema } from "../schemas.js";
import { parseTimestamp } from "../timestamp-json.js";

interface WriteBody {
  user_id: number | string;
  amount: number | string;
  idempotency_key?: string;
}

interface ChargeBody extends WriteBody {
  release_at?: string | null;
}

interface WriteHeaders {
  [idempotencyKeyHeader]?: string;
}

export function registerWriteRoutes(app: FastifyInstance, wallet: WalletClient): void {
  app.post<{ Body: ChargeBody; Headers: WriteHeaders }>(
    "/charge",
    { schema: chargeSchema },
    async (request, reply) => {
      const { body } = request;
      const response = await wallet.charge(
        {
          userId: parsePositiveInt64("user_id", body.user_id),
          amount: parsePositiveInt64("amount", body.amount),
          idempotencyKey: resolveIdempotencyKey(
            body.idempotency_key,
            request.raw.headersDistinct[idempotencyKeyHeader],
          ),
          releaseAt:
            body.release_at == null ? undefined : parseTimestamp("release_at", body.release_at),
        },
        { requestId: request.id },
      );
      const transaction = transactionJson(response.transaction);
      request.log.info(
        { transactionId: transaction.id, userId: transaction.user_id, amount: transaction.amount },
        "charged",
      );
      return reply.code(201).send({ transaction });
    },
  );

  app.post<{ Body: WriteBody; Headers: WriteHeaders }>(
    "/withdraw",
    { schema: withdrawSchema },
    async (request, reply) => {
      const { body } = request;
      const response = await wallet.withdraw(
        {
          userId: parsePositiveInt64("user_id", body.user_id),
          amount: parsePositiveInt64("amount", body.amount),
          idempotencyKey: resolveIdempotencyKey(
            body.idempotency_key,
            request.raw.headersDistinct[idempotencyKeyHeader],
          ),
        },
        { requestId: request.id },
      );
      const transaction = transactionJson(response.transaction);
      request.log.info(
        { transactionId: transaction.id, userId: transaction.user_id, amount: transaction.amount },
        "withdrawal accepted",
      );
      return reply.code(202).send({ transaction });
    },
  );
}
