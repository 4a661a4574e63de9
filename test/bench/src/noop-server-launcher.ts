/** Starts grpc-noop's server (noop-server.ts) as its own process. */
import { freePort, startService, type ServiceProcess } from "@wallet/test-kit";
import { serviceEntries } from "./service-entries.js";

export const noopReadyMessage = "noop listening";

export interface NoopServer {
  address: string;
  process: ServiceProcess;
}

export async function startNoopServer(): Promise<NoopServer> {
  const port = await freePort();
  const process = await startService({
    name: "noop-server",
    entry: serviceEntries.noopServer(),
    env: { NOOP_GRPC_HOST: "127.0.0.1", NOOP_GRPC_PORT: String(port) },
    readyMessage: noopReadyMessage,
  });
  return { address: `127.0.0.1:${port}`, process };
}
