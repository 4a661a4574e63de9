/**
 * The hostile HTTP/2 cases of scenario 4d, each a raw loopback connection (or many) doing one
 * thing a server must survive: floods of resets, CONTINUATION, empty or one-byte DATA, HPACK
 * bombs, table-size updates, zero-length headers, partial messages, SETTINGS/PING/WINDOW_UPDATE
 * while not reading, idle connections, and the malformed requests of the HTTP/2 conformance list.
 * Every loop stops by itself at the case's deadline or byte bound, or when the server ends the
 * connection; the runner measures the wallet while it runs.
 */
import {
  errorCode,
  flag,
  frame,
  frameType,
  huffmanLiteralField,
  indexedField,
  literalField,
  readStreamAnswers,
  headerValue,
  setting,
  settingEntry,
  staticIndex,
  uint32,
  type RawClient,
  type RawClientOptions,
} from "@wallet/http2-raw";
import { walletConfigSchema } from "@wallet/wallet/dist/config.js";
import type { Http2Sizes } from "../suite-settings.js";

export interface CaseContext {
  readonly port: number;
  readonly sizes: Http2Sizes;
  /** Epoch ms at which the attack stops. */
  readonly deadline: number;
  /** A gRPC-framed GetBalanceRequest for a funded user: what a served request would read. */
  readonly balanceMessage: Buffer;
  /** How long the wallet under test lets a connection sit without a call. */
  readonly connectionIdleMs: number;
  /** A raw connection to the wallet, closed by the runner when the case ends. */
  connect(options?: RawClientOptions): Promise<RawClient>;
  /** Bytes sent so far over all of the case's connections. */
  bytesSent(): number;
}

export interface CaseResult {
  /** What the server did, in a few words. */
  outcome: string;
  /** Malformed requests only: how the request was executed as a call, when it was. */
  served?: string;
  /** Idle cases only: connections the server had not closed at the bound. */
  keptOpen?: number;
  /** Malformed requests only: the server neither answered nor closed the connection. */
  unanswered?: string;
}

export interface Http2Case {
  readonly name: string;
  /**
   * A weakness of nghttp2 that no node or grpc-js option bounds (README, "The gRPC port under
   * attack"): the case is still judged, with this latency bound for legitimate calls instead of
   * the scenario's, and the table says why.
   */
  readonly residualRisk?: { legitLatencyMsMax: number; why: string };
  run(ctx: CaseContext): Promise<CaseResult>;
}

/** The wallet's defaults, which the suite does not change: the cases push against these limits. */
const walletDefaults = walletConfigSchema.parse({});
const walletStreamsMax = walletDefaults.WALLET_GRPC_CONCURRENT_STREAMS_MAX;
const walletMessageBytesMax = walletDefaults.WALLET_GRPC_MAX_RECEIVE_BYTES;
const getBalancePath = "/wallet.v1.WalletService/GetBalance";
/** Frames written per turn of the event loop: big enough to flood, small enough to keep the legitimate caller's timers on time. */
const framesPerTurn = 256;
/** How long a malformed request waits for its answer. */
const answerWaitMs = 2_000;
/** After a flood, how long the server gets to say what it thinks of it (GOAWAY, close). */
const verdictWaitMs = 300;

/** RFC 9113 section 7's error codes by name: frames.ts's, and those it does not name. */
const codeNames = new Map<number, string>([
  ...Object.entries(errorCode).map(
    ([name, code]) => [code, name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()] as const,
  ),
  [0x4, "SETTINGS_TIMEOUT"],
  [0x5, "STREAM_CLOSED"],
  [0xa, "CONNECT_ERROR"],
  [0xc, "INADEQUATE_SECURITY"],
  [0xd, "HTTP_1_1_REQUIRED"],
]);
const codeName = (code: number) => codeNames.get(code) ?? `0x${code.toString(16)}`;
export const count = (n: number) => n.toLocaleString("en-US");

type Field = readonly [string, string];

const requestFields = (port: number): Field[] => [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", getBalancePath],
  [":authority", `127.0.0.1:${port}`],
  ["content-type", "application/grpc"],
  ["te", "trailers"],
];

const encodeFields = (fields: readonly Field[]): number[] =>
  fields.flatMap(([name, value]) => literalField(name, value));

/** A well-formed GetBalance request's header block, with static-table names where there are some. */
function requestBlock(port: number): Buffer {
  return Buffer.from([
    ...indexedField(staticIndex.methodPost),
    ...indexedField(staticIndex.schemeHttp),
    ...literalField(staticIndex.path, getBalancePath),
    ...literalField(staticIndex.authority, `127.0.0.1:${port}`),
    ...literalField(staticIndex.contentType, "application/grpc"),
    ...literalField("te", "trailers"),
  ]);
}

/** gRPC's Length-Prefixed-Message header (PROTOCOL-HTTP2.md): uncompressed, `length` bytes to follow. */
export function messagePrefix(length: number): Buffer {
  const out = Buffer.alloc(5);
  out.writeUInt32BE(length, 1);
  return out;
}

const keepSending = (ctx: CaseContext, c: RawClient) =>
  !c.ended && Date.now() < ctx.deadline && ctx.bytesSent() < ctx.sizes.caseBytesMax;

/**
 * What one connection's server side did: its GOAWAY, its close, or nothing by the bound; and its
 * resets. `readLate`: the client read nothing until the flood was over, so a GOAWAY's timing says
 * nothing.
 */
function connectionOutcome(c: RawClient, readLate = false): string {
  const parts: string[] = [];
  if (c.goaway) {
    const when = readLate
      ? "read after the flood"
      : `after ${count(c.goaway.framesSentBefore)} frames (${count(c.goaway.atMs)} ms)`;
    parts.push(
      `GOAWAY ${codeName(c.goaway.code)}, last stream ${count(c.goaway.lastStreamId)}, ${when}`,
    );
  } else if (c.closedAtMs !== undefined)
    parts.push(
      `closed after ${count(c.closedAtMs)} ms, ${count(c.framesSent)} frames${c.error ? ` (${c.error})` : ""}`,
    );
  else
    parts.push(
      `still open at the bound (${count(c.elapsedMs())} ms, ${count(c.framesSent)} frames)`,
    );
  for (const [code, n] of c.resets) parts.push(`RST_STREAM ${codeName(code)} x${count(n)}`);
  return parts.join("; ");
}

/** The same for many connections, grouped: "16 still open; RST_STREAM REFUSED_STREAM x320". */
function connectionsOutcome(clients: readonly RawClient[]): string {
  const groups = new Map<string, number>();
  const resets = new Map<number, number>();
  for (const c of clients) {
    const end = c.goaway
      ? `GOAWAY ${codeName(c.goaway.code)}`
      : c.closedAtMs !== undefined
        ? "closed"
        : "still open at the bound";
    groups.set(end, (groups.get(end) ?? 0) + 1);
    for (const [code, n] of c.resets) resets.set(code, (resets.get(code) ?? 0) + n);
  }
  return [
    ...[...groups].map(([end, n]) => `${n}/${clients.length} ${end}`),
    ...[...resets].map(([code, n]) => `RST_STREAM ${codeName(code)} x${count(n)}`),
  ].join("; ");
}

/**
 * Writes `next`'s frames a turn at a time until the case's bounds or the server stop it, or `next`
 * returns false (it has no more); while `ready` is false (a flow-control window is spent) it waits
 * for the server to make it true.
 */
async function flood(
  ctx: CaseContext,
  c: RawClient,
  next: () => boolean,
  ready: () => boolean = () => true,
): Promise<void> {
  while (keepSending(ctx, c)) {
    if (!ready()) {
      await c.waitFor(() => c.ended || ready(), Math.max(0, ctx.deadline - Date.now()));
      continue;
    }
    let more = true;
    c.batch(() => {
      for (let i = 0; i < framesPerTurn && more && ready(); i++) more = next();
    });
    if (!more || !(await c.pace(ctx.deadline))) break;
  }
  await c.waitFor(() => c.ended, verdictWaitMs);
}

function rapidReset(withMessage: boolean): Http2Case {
  return {
    name: withMessage ? "rapid reset, with a message" : "rapid reset",
    async run(ctx) {
      const c = await ctx.connect();
      const block = requestBlock(ctx.port);
      let streamId = 1;
      let reset = 0;
      // The request's DATA spends the connection's window: the server must grant more as it reads.
      const ready = () => !withMessage || c.window(0) >= ctx.balanceMessage.length;
      await flood(
        ctx,
        c,
        () => {
          if (reset >= ctx.sizes.rapidResets) return false;
          c.send(frame(frameType.headers, flag.endHeaders, streamId, block));
          if (withMessage) c.sendData(streamId, ctx.balanceMessage, flag.endStream);
          c.send(frame(frameType.rstStream, 0, streamId, uint32(errorCode.cancel)));
          streamId += 2;
          reset += 1;
          return true;
        },
        ready,
      );
      return { outcome: `${count(reset)} resets: ${connectionOutcome(c)}` };
    },
  };
}

/** A HEADERS frame without END_HEADERS, then CONTINUATION frames with `payload` that never end the block. */
function continuationFlood(name: string, opening: Buffer, payload: Buffer): Http2Case {
  return {
    name,
    async run(ctx) {
      const c = await ctx.connect();
      c.send(frame(frameType.headers, 0, 1, opening));
      const continuation = frame(frameType.continuation, 0, 1, payload);
      await flood(ctx, c, () => c.send(continuation));
      return { outcome: connectionOutcome(c) };
    },
  };
}

function continuationFloods(port: number): Http2Case[] {
  const block = requestBlock(port);
  // A literal field "x-flood" whose value claims 2^30 + 129 bytes (RFC 7541 5.1: 127, then 7-bit groups).
  const endlessValue = Buffer.from([
    ...block,
    0x00,
    7,
    ...Buffer.from("x-flood"),
    0x7f,
    0x81,
    0x80,
    0x80,
    0x80,
    0x04,
  ]);
  return [
    continuationFlood("CONTINUATION flood, empty", block, Buffer.alloc(0)),
    // Each byte is a whole header field (static entry 16, accept-encoding), so the list only grows.
    continuationFlood("CONTINUATION flood, one byte", block, Buffer.from(indexedField(16))),
    continuationFlood("CONTINUATION flood, 16 KiB", endlessValue, Buffer.alloc(16_384, "a")),
  ];
}

const emptyDataFlood: Http2Case = {
  name: "empty DATA flood",
  async run(ctx) {
    const c = await ctx.connect();
    c.send(frame(frameType.headers, flag.endHeaders, 1, requestBlock(ctx.port)));
    const empty = frame(frameType.data, 0, 1);
    await flood(ctx, c, () => c.send(empty));
    return { outcome: connectionOutcome(c) };
  },
};

/**
 * Opens as many streams as the wallet allows, each announcing the largest message it accepts, then
 * feeds them one byte per DATA frame, round robin, never completing one.
 */
const oneByteDataFlood: Http2Case = {
  name: "one-byte DATA, many streams",
  async run(ctx) {
    const c = await ctx.connect();
    const messageBytes = walletMessageBytesMax;
    const block = requestBlock(ctx.port);
    const streams = Array.from({ length: walletStreamsMax }, (_, i) => 1 + 2 * i);
    const fed = new Map(streams.map((id) => [id, 0]));
    c.batch(() => {
      for (const id of streams) {
        c.send(frame(frameType.headers, flag.endHeaders, id, block));
        c.sendData(id, messagePrefix(messageBytes));
      }
    });
    const oneByte = Buffer.from([0x08]);
    let turn = 0;
    // The next stream, round robin, that is neither reset nor one byte short of its message.
    const nextStream = () => {
      for (let tried = 0; tried < streams.length; tried++) {
        const id = streams[turn++ % streams.length]!;
        if (!c.streamReset(id) && fed.get(id)! < messageBytes - 1 && c.window(id) > 0) return id;
      }
      return undefined;
    };
    await flood(
      ctx,
      c,
      () => {
        const id = nextStream();
        if (id === undefined) return false;
        c.sendData(id, oneByte);
        fed.set(id, fed.get(id)! + 1);
        return true;
      },
      () => c.window(0) > 0,
    );
    const fedBytes = [...fed.values()].reduce((sum, n) => sum + n, 0);
    return {
      outcome: `${count(fedBytes)} bytes into ${streams.length} streams of ${count(messageBytes)}: ${connectionOutcome(c)}`,
    };
  },
};

/** One whole request header block per stream, on fresh streams: `block(port, first)` builds it, `first` for the opening stream. */
function headerBlockFlood(
  name: string,
  block: (port: number, first: boolean) => Buffer,
): Http2Case {
  return {
    name,
    async run(ctx) {
      const c = await ctx.connect();
      const opening = block(ctx.port, true);
      const rest = block(ctx.port, false);
      let streamId = 1;
      await flood(ctx, c, () => {
        c.send(
          frame(
            frameType.headers,
            flag.endHeaders | flag.endStream,
            streamId,
            streamId === 1 ? opening : rest,
          ),
        );
        streamId += 2;
        return true;
      });
      return { outcome: connectionOutcome(c) };
    },
  };
}

/** The largest header block that fits one frame of the default SETTINGS_MAX_FRAME_SIZE. */
const frameBytesMax = 16_384;

const hpackBomb = headerBlockFlood("HPACK bomb", (port, first) => {
  const request = requestBlock(port);
  // Opening block: one 4,000-byte value into the 4,096-byte dynamic table (literal with incremental
  // indexing, 0x40). Every later block refers to it (index 62) once per byte: 4 KB each.
  if (first)
    return Buffer.from([...request, 0x40, ...literalField("x-bomb", "b".repeat(4_000)).slice(1)]);
  return Buffer.concat([
    request,
    Buffer.alloc(frameBytesMax - request.length, indexedField(62)[0]),
  ]);
});

const tableSizeUpdateFlood = headerBlockFlood("HPACK table-size-update flood", (port) => {
  // Alternate dynamic table size updates to 0 (0x20) and 4,096 (0x3f 0xe1 0x1f), then the request.
  const request = requestBlock(port);
  const pairs = Math.floor((frameBytesMax - request.length) / 4);
  return Buffer.concat([Buffer.alloc(pairs * 4, Buffer.from([0x20, 0x3f, 0xe1, 0x1f])), request]);
});

const zeroLengthHeaderFlood: Http2Case = {
  ...headerBlockFlood("zero-length header flood", (port) => {
    // Literal fields with an empty name and an empty value (0x00 0x00 0x00), as many as fit.
    const request = requestBlock(port);
    const empties = Math.floor((frameBytesMax - request.length) / 3);
    return Buffer.concat([request, Buffer.alloc(empties * 3, 0)]);
  }),
  residualRisk: {
    legitLatencyMsMax: 3_000,
    why: "nghttp2 drops empty-named fields without counting them against any header limit, so each 16 KiB block is ~5,400 fields of CPU; grpc-js passes node no option that bounds it",
  },
};

/** Many connections, each with more streams than allowed, each stream half a message, held until the bound. */
const partialMessages: Http2Case = {
  name: "partial messages, many streams and connections",
  async run(ctx) {
    const block = requestBlock(ctx.port);
    const half = Buffer.concat([messagePrefix(1_024), Buffer.alloc(512, 0x08)]);
    const clients: RawClient[] = [];
    for (
      let i = 0;
      i < ctx.sizes.partialConnections &&
      Date.now() < ctx.deadline &&
      ctx.bytesSent() < ctx.sizes.caseBytesMax;
      i++
    ) {
      const c = await ctx.connect({ ackSettings: true });
      clients.push(c);
      c.batch(() => {
        for (let s = 0; s < walletStreamsMax + 20; s++) {
          c.send(frame(frameType.headers, flag.endHeaders, 1 + 2 * s, block));
          c.sendData(1 + 2 * s, half);
        }
      });
    }
    await clients[0]?.waitFor(
      () => clients.every((c) => c.ended),
      Math.max(0, ctx.deadline - Date.now()),
    );
    return {
      outcome: `${count(clients.length)} connections x ${walletStreamsMax + 20} streams: ${connectionsOutcome(clients)}`,
    };
  },
};

/** Sends `unit` over and over without reading a byte of what the server answers. */
function floodWhileNotReading(name: string, unit: Buffer): Http2Case {
  return {
    name: `${name} flood, not reading`,
    async run(ctx) {
      const c = await ctx.connect({ paused: true });
      let stalledAt: number | undefined;
      while (keepSending(ctx, c)) {
        c.batch(() => {
          for (let i = 0; i < framesPerTurn; i++) c.send(unit);
        });
        if (!(await c.pace(ctx.deadline))) {
          // Still open with the socket full at the deadline: the server stopped reading this client.
          if (!c.ended) stalledAt = c.framesSent;
          break;
        }
      }
      // Only now read what the server sent meanwhile: its GOAWAY, if it sent one.
      c.resume();
      await c.waitFor(() => c.ended, verdictWaitMs);
      return {
        outcome: `${connectionOutcome(c, true)}${stalledAt === undefined ? "" : `; stopped reading after ${count(stalledAt)} frames`}`,
      };
    },
  };
}

function idleConnections(withPreface: boolean): Http2Case {
  return {
    name: withPreface ? "idle connections, after the preface" : "idle connections, no preface",
    async run(ctx) {
      const clients = await Promise.all(
        Array.from({ length: ctx.sizes.idleConnections }, () =>
          ctx.connect({ sendPreface: withPreface, ackSettings: withPreface }),
        ),
      );
      const boundMs = idleCloseBoundMs(ctx.connectionIdleMs);
      await clients[0]?.waitFor(() => clients.every((c) => c.ended), boundMs);
      const closed = clients.filter((c) => c.ended);
      const closeMs = closed.map((c) => c.goaway?.atMs ?? c.closedAtMs ?? 0);
      const range =
        closeMs.length === 0
          ? ""
          : ` after ${count(Math.min(...closeMs))}-${count(Math.max(...closeMs))} ms`;
      return {
        outcome: `${closed.length}/${clients.length} closed${range} (idle bound ${count(ctx.connectionIdleMs)} ms): ${connectionsOutcome(clients)}`,
        keptOpen: clients.length - closed.length,
      };
    },
  };
}

/**
 * When an idle connection must be closed by: grpc-js checks idleness on a timer of the idle bound
 * and, when the check comes a moment early, waits a second period; a second more for the close.
 */
export const idleCloseBoundMs = (connectionIdleMs: number) => 2 * connectionIdleMs + 1_000;

interface Malformed {
  name: string;
  /** A well-formed request that must be served, unlike the rest. */
  valid?: boolean;
  /**
   * nghttp2 drops the offending field and serves the rest of the request, which then never sees
   * it (RFC 9113 section 8.2.1 asks for a stream error; no option makes nghttp2 strict). Served is
   * accepted; the answer still has to come.
   */
  fieldDropped?: boolean;
  send(c: RawClient, port: number, message: Buffer): void;
}

/** The request's header block from `fields`, then its message, on stream 1. */
function requestWith(
  name: string,
  fields: (port: number) => number[],
  options: { body?: (message: Buffer) => Buffer; valid?: boolean; fieldDropped?: boolean } = {},
): Malformed {
  return {
    name,
    valid: options.valid,
    fieldDropped: options.fieldDropped,
    send(c, port, message) {
      c.send(frame(frameType.headers, flag.endHeaders, 1, Buffer.from(fields(port))));
      c.sendData(1, options.body ? options.body(message) : message, flag.endStream);
    },
  };
}

/** A well-formed request's HEADERS on `headersStream` and its DATA on `dataStream`. */
function wrongStream(name: string, headersStream: number, dataStream: number): Malformed {
  return {
    name,
    send(c, port, message) {
      c.send(frame(frameType.headers, flag.endHeaders, headersStream, requestBlock(port)));
      c.send(frame(frameType.data, flag.endStream, dataStream, message));
    },
  };
}

const without = (pseudo: string) => (port: number) =>
  encodeFields(requestFields(port).filter(([name]) => name !== pseudo));
const withFields = (change: (fields: Field[]) => Field[]) => (port: number) =>
  encodeFields(change(requestFields(port)));

const malformedRequests: readonly Malformed[] = [
  requestWith("malformed: no :method", without(":method")),
  requestWith("malformed: no :scheme", without(":scheme")),
  requestWith("malformed: no :path", without(":path")),
  requestWith(
    "malformed: unknown pseudo-header",
    withFields((f) => [...f.slice(0, 4), [":wallet", "1"], ...f.slice(4)]),
  ),
  requestWith(
    "malformed: pseudo-header after a regular one",
    withFields((f) => [...f.filter(([n]) => n !== ":path"), [":path", getBalancePath]]),
  ),
  requestWith(
    "malformed: :path twice",
    withFields((f) => [...f.slice(0, 3), [":path", getBalancePath], ...f.slice(3)]),
  ),
  requestWith(
    "malformed: uppercase header name",
    withFields((f) => [...f, ["X-Wallet", "1"]]),
  ),
  requestWith(
    "malformed: connection header",
    withFields((f) => [...f, ["connection", "keep-alive"]]),
  ),
  requestWith(
    "malformed: te other than trailers",
    withFields((f) => f.map(([n, v]) => (n === "te" ? ["te", "gzip"] : [n, v]))),
  ),
  requestWith(
    "malformed: content-length mismatch",
    withFields((f) => [...f, ["content-length", "100"]]),
  ),
  requestWith(
    "malformed: CR/LF in a header value",
    withFields((f) => [...f, ["x-note", "a\r\nx-injected: 1"]]),
    { fieldDropped: true },
  ),
  requestWith(
    "valid: Huffman-coded non-ASCII header value",
    (port) => [
      ...encodeFields(requestFields(port)),
      ...huffmanLiteralField("x-note", Buffer.from("café über €", "utf8")),
    ],
    {
      valid: true,
    },
  ),
  wrongStream("wrong stream: DATA on stream 0", 1, 0),
  wrongStream("wrong stream: HEADERS on an even stream", 2, 2),
  wrongStream("wrong stream: DATA on an idle stream", 1, 5),
  {
    name: "wrong stream: CONTINUATION on another stream",
    send(c, port, message) {
      const block = requestBlock(port);
      c.send(frame(frameType.headers, 0, 1, block.subarray(0, 4)));
      c.send(frame(frameType.continuation, flag.endHeaders, 3, block.subarray(4)));
      c.send(frame(frameType.data, flag.endStream, 1, message));
    },
  },
];

function malformedCase(m: Malformed): Http2Case {
  return {
    name: m.name,
    async run(ctx) {
      const c = await ctx.connect({ ackSettings: true });
      m.send(c, ctx.port, ctx.balanceMessage);
      const answered = () =>
        c.ended ||
        c.frames.some(
          (f) =>
            f.streamId !== 0 &&
            (f.type === frameType.rstStream ||
              (f.type === frameType.headers && f.flags & flag.endStream)),
        );
      await c.waitFor(answered, Math.min(answerWaitMs, Math.max(0, ctx.deadline - Date.now())));
      const answers = [...readStreamAnswers(c.frames)].map(([streamId, answer]) => {
        const grpcStatus = headerValue(answer, "grpc-status");
        const httpStatus = headerValue(answer, ":status");
        if (answer.undecodable)
          return {
            streamId,
            text: `an answer this client cannot decode (${answer.undecodable})`,
            grpcStatus,
          };
        if (answer.resetCode !== undefined && httpStatus === undefined)
          return { streamId, text: `RST_STREAM ${codeName(answer.resetCode)}`, grpcStatus };
        return {
          streamId,
          text: `:status ${httpStatus ?? "-"}, grpc-status ${grpcStatus ?? "-"}`,
          grpcStatus,
        };
      });
      const served = answers.find((a) => a.grpcStatus === "0");
      const parts = answers.map((a) =>
        answers.length > 1 ? `stream ${a.streamId}: ${a.text}` : a.text,
      );
      if (c.goaway) parts.push(`GOAWAY ${codeName(c.goaway.code)}`);
      else if (c.closedAtMs !== undefined) parts.push(`closed after ${count(c.closedAtMs)} ms`);
      if (parts.length === 0) parts.push(`no answer within ${count(answerWaitMs)} ms`);
      if (served && m.fieldDropped) parts.push("served without the field (nghttp2 drops it)");
      const unanswered = answers.length === 0 && !c.goaway && c.closedAtMs === undefined;
      return {
        outcome: parts.join("; "),
        served:
          served && !m.valid && !m.fieldDropped
            ? `answered grpc-status 0 on stream ${served.streamId}`
            : undefined,
        unanswered: unanswered ? `no answer within ${count(answerWaitMs)} ms` : undefined,
      };
    },
  };
}

/** Every case, in the order the table lists them. */
export function http2Cases(port: number): Http2Case[] {
  return [
    rapidReset(false),
    rapidReset(true),
    ...continuationFloods(port),
    emptyDataFlood,
    oneByteDataFlood,
    hpackBomb,
    tableSizeUpdateFlood,
    zeroLengthHeaderFlood,
    partialMessages,
    floodWhileNotReading(
      "SETTINGS",
      frame(frameType.settings, 0, 0, settingEntry(setting.initialWindowSize, 65_535)),
    ),
    floodWhileNotReading("PING", frame(frameType.ping, 0, 0, Buffer.alloc(8))),
    floodWhileNotReading("WINDOW_UPDATE", frame(frameType.windowUpdate, 0, 0, uint32(1))),
    idleConnections(true),
    idleConnections(false),
    ...malformedRequests.map(malformedCase),
  ];
}
