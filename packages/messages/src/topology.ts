/**
 * Streams and consumers, declared in code and created or updated at start-up by whichever
 * service starts first (the calls are idempotent).
 *
 * - `<prefix>_WITHDRAWALS` carries `<prefix>.withdrawals.requested` (wallet outbox → settlement).
 * - `<prefix>_RESULTS` carries `<prefix>.withdrawals.result` (settlement → wallet).
 *
 * Both are file-backed work queues: a message is kept until its consumer acks it. The duplicate
 * window makes JetStream drop a republish with the same Nats-Msg-Id (the transaction id), which
 * is what makes the outbox relay's at-least-once publishing harmless.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";

export interface Topology {
  prefix: string;
  requestStream: string;
  requestSubject: string;
  resultStream: string;
  resultSubject: string;
  /** The durable consumer settlement instances share. */
  settlementConsumer: string;
  /** The durable consumer wallet instances share. */
  resultsConsumer: string;
}

/** `prefix` lets tests and several environments share one NATS server without colliding. */
export function topology(prefix: string): Topology {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix))
    throw new Error(`invalid NATS prefix ${JSON.stringify(prefix)}`);
  return {
    prefix,
    requestStream: `${prefix}_WITHDRAWALS`,
    requestSubject: `${prefix}.withdrawals.requested`,
    resultStream: `${prefix}_RESULTS`,
    resultSubject: `${prefix}.withdrawals.result`,
    settlementConsumer: `${prefix}_settlement`,
    resultsConsumer: `${prefix}_wallet_results`,
  };
}

export interface StreamLimits {
  /** Duplicate window for Nats-Msg-Id dedup. */
  duplicateWindowMs: number;
  /** A stream refuses new messages past this many; the wallet's backlog bound sits below it. */
  maxMessages: number;
}

export const defaultStreamLimits: StreamLimits = {
  duplicateWindowMs: 10 * 60_000,
  maxMessages: 1_000_000,
};

const msToNanos = (ms: number) => ms * 1_000_000;

function streamConfig(
  name: string,
  subject: string,
  limits: StreamLimits,
): Partial<StreamConfig> & { name: string } {
  return {
    name,
    subjects: [subject],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_msgs: limits.maxMessages,
    duplicate_window: msToNanos(limits.duplicateWindowMs),
    num_replicas: 1,
  };
}

/** Creates both streams, or updates them to this definition. */
export async function ensureStreams(
  jsm: JetStreamManager,
  topo: Topology,
  limits = defaultStreamLimits,
): Promise<void> {
  for (const config of [
    streamConfig(topo.requestStream, topo.requestSubject, limits),
    streamConfig(topo.resultStream, topo.resultSubject, limits),
  ]) {
    try {
      await jsm.streams.add(config);
    } catch (err) {
      // 10058: a stream with this name exists with another config; bring it to this one.
      if (err instanceof JetStreamApiError && err.code === 10058)
        await jsm.streams.update(config.name, config);
      else throw err;
    }
  }
}

export interface ConsumerLimits {
  /** How long a delivered message may go unacked (and without working()) before redelivery. */
  ackWaitMs: number;
  /** Deliveries before JetStream gives up on a message (it then raises an advisory). */
  maxDeliver: number;
  /** Unacked messages outstanding at once across all instances of the consumer. */
  maxAckPending: number;
}

/** Creates or updates a durable pull consumer with explicit acks on `stream`. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filterSubject: string,
  limits: ConsumerLimits,
): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filterSubject,
    ack_wait: msToNanos(limits.ackWaitMs),
    max_deliver: limits.maxDeliver,
    max_ack_pending: limits.maxAckPending,
  };
  try {
    await jsm.consumers.add(stream, config);
  } catch (err) {
    if (err instanceof JetStreamApiError) await jsm.consumers.update(stream, durable, config);
    else throw err;
  }
}
