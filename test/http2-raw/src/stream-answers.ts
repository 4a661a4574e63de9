import { flag, frameType } from "./frames.js";
import { HpackDecoder } from "./hpack.js";
import type { ReceivedFrame } from "./raw-client.js";

/** What the server answered on one stream, read from a raw client's frames. */
export interface StreamAnswer {
  /** Every header field of the answer's header blocks (headers, then trailers), in order. */
  headers: [string, string][];
  dataBytes: number;
  resetCode: number | undefined;
  /** Set when a header block could not be decoded (the rest of the connection's blocks are then unreadable too). */
  undecodable: string | undefined;
}

/**
 * The answers on every stream of `frames`, header blocks decoded in arrival order (HPACK's dynamic
 * table depends on it); `headerTableSize` is the SETTINGS_HEADER_TABLE_SIZE the client advertised.
 */
export function readStreamAnswers(
  frames: readonly ReceivedFrame[],
  headerTableSize = 4_096,
): Map<number, StreamAnswer> {
  const answers = new Map<number, StreamAnswer>();
  const decoder = new HpackDecoder(headerTableSize);
  const answerOf = (streamId: number) => {
    let answer = answers.get(streamId);
    if (!answer)
      answers.set(
        streamId,
        (answer = { headers: [], dataBytes: 0, resetCode: undefined, undecodable: undefined }),
      );
    return answer;
  };
  let block: Buffer[] = [];
  let blockStream = 0;
  let broken: string | undefined;
  for (const f of frames) {
    if (f.streamId === 0) continue;
    if (f.type === frameType.headers) {
      let start = 0;
      let end = f.payload.length;
      if (f.flags & flag.padded) {
        end -= f.payload[0] ?? 0;
        start += 1;
      }
      if (f.flags & flag.priority) start += 5;
      block = [f.payload.subarray(start, Math.max(start, end))];
      blockStream = f.streamId;
    } else if (f.type === frameType.continuation && f.streamId === blockStream)
      block.push(f.payload);
    else if (f.type === frameType.data) answerOf(f.streamId).dataBytes += f.payload.length;
    else if (f.type === frameType.rstStream && f.payload.length === 4)
      answerOf(f.streamId).resetCode = f.payload.readUInt32BE(0);
    if (
      (f.type === frameType.headers || f.type === frameType.continuation) &&
      f.flags & flag.endHeaders &&
      f.streamId === blockStream
    ) {
      const answer = answerOf(blockStream);
      const bytes = Buffer.concat(block);
      block = [];
      if (broken) answer.undecodable = broken;
      else {
        try {
          decoder.decode(bytes, 0, bytes.length, (name, value) =>
            answer.headers.push([name, value]),
          );
        } catch (err) {
          broken = err instanceof Error ? err.message : String(err);
          answer.undecodable = broken;
        }
      }
    }
  }
  return answers;
}

/** The last value of header `name` in an answer (a trailer's over a header's). */
export function headerValue(answer: StreamAnswer, name: string): string | undefined {
  for (let i = answer.headers.length - 1; i >= 0; i--)
    if (answer.headers[i]![0] === name) return answer.headers[i]![1];
  return undefined;
}
