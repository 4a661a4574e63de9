/** The request stream's state as JetStream reports it: how many messages it holds, and its last sequence. */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { topology } from "@wallet/messages";

export interface StreamState {
  messages: number;
  lastSeq: number;
}

/** Undefined when the stream does not exist. */
export async function requestStreamState(
  natsUrl: string,
  prefix: string,
): Promise<StreamState | undefined> {
  const nc = await connect({ servers: natsUrl, timeout: 2_000, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const info = await jsm.streams.info(topology(prefix).requestStream).catch(() => undefined);
    return info ? { messages: info.state.messages, lastSeq: info.state.last_seq } : undefined;
  } finally {
    await nc.close();
  }
}
