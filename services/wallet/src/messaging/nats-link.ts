/**
 * The wallet's NATS link, on @wallet/messages' startNatsLink. It connects in the background and
 * keeps reconnecting forever, so the wallet serves (and accepts withdrawals into the outbox)
 * while NATS is down; whoever needs JetStream asks `connected()` and waits for `whenReady()`.
 */
import {
  startNatsLink as startSharedNatsLink,
  type NatsLink,
  type StreamLimits,
  type Topology,
} from "@wallet/messages";
import type { Logger } from "@wallet/logger";

export type { NatsLink, NatsReady } from "@wallet/messages";

/** Pause between reconnect attempts. */
const reconnectWaitMs = 500;

export function startNatsLink(options: {
  url: string;
  name: string;
  topology: Topology;
  streamLimits: StreamLimits;
  requestTimeoutMs: number;
  logger: Logger;
}): NatsLink {
  return startSharedNatsLink({ ...options, reconnectWaitMs, waitForServer: true });
}
