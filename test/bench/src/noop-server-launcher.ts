/** Starts a no-op baseline's server (noop-server.ts) as its own process. */
import { freePort, startService, type ServiceProcess } from "@wallet/test-kit";
import { serviceEntries } from "./service-entries.js";

export const noopReadyMessage = "noop listening";
/** grpc-js on node:http2 (grpc-noop), or HTTP/2 frames read and written by hand (frames-noop.ts). */
export const noopTransports = ["grpc-js", "frames"] as const;
export type NoopTransport = (typeof noopTransports)[number];

export interface NoopServer {
  address: string;
  process: ServiceProcess;
}

export async function startNoopServer(transport: NoopTransport): Promise<NoopServer> {
  const port = await freePort();
  const process = await startService({
    name: "noop-server",
    entry: serviceEntries.noopServer(),
    env: { NOOP_GRPC_HOST: "127.0.0.1", NOOP_GRPC_PORT: String(port), NOOP_TRANSPORT: transport },
    readyMessage: noopReadyMessage,
  });
  return { address: `127.0.0.1:${port}`, process };
}
