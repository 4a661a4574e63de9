/**
 * The wallet's health as its own grpc.health.v1 service reports it: SERVING only while the wallet
 * can reach PostgreSQL. A separate channel from the wallet client, so a health probe never queues
 * behind business calls.
 */
import {
  credentials,
  makeGenericClientConstructor,
  type Client,
  type ServiceError,
} from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

/** The service name the wallet registers with its health service. */
export const walletServiceName = "wallet.v1.WalletService";

export interface WalletHealthCheck {
  /** true when the wallet answered SERVING within the timeout. Never throws. */
  check(): Promise<boolean>;
  close(): void;
}

interface HealthClient extends Client {
  check(
    request: { service: string },
    options: { deadline: Date },
    callback: (err: ServiceError | null, response?: { status: string }) => void,
  ): unknown;
}

export function createWalletHealthCheck(address: string, timeoutMs: number): WalletHealthCheck {
  const HealthClientConstructor = makeGenericClientConstructor(healthService, "Health");
  const client = new HealthClientConstructor(
    address,
    credentials.createInsecure(),
  ) as unknown as HealthClient;
  return {
    check: () =>
      new Promise<boolean>((resolve) => {
        client.check(
          { service: walletServiceName },
          { deadline: new Date(Date.now() + timeoutMs) },
          (err, response) => resolve(err === null && response?.status === "SERVING"),
        );
      }),
    close: () => client.close(),
  };
}
