/**
 * HPACK (RFC 7541) as gRPC over HTTP/2 needs it: a decoder with the dynamic table, and literal
 * header fields for an encoder that never indexes (so it keeps no table the peer must mirror).
 *
 * The Huffman decoder knows the codes of printable ASCII (and NUL), which is all gRPC allows in
 * header values (PROTOCOL-HTTP2.md: ASCII-Value is %x20-%x7E; binary metadata is base64, and
 * grpc-message is percent-encoded); any other symbol is reported as a decoding error, not guessed.
 */

export class HpackError extends Error {
  override name = "HpackError";
}

/** RFC 7541 Appendix A, indexes 1..61. */
const staticTable: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** Static-table indexes the request headers use. */
export const staticIndex = {
  authority: 1,
  methodPost: 3,
  path: 4,
  schemeHttp: 6,
  contentType: 31,
} as const;

/**
 * The HPACK Huffman code is canonical: codes of one length are consecutive in symbol order, and
 * each length starts where the previous ended. So the code of every symbol of up to 15 bits
 * follows from which symbols have which length. Symbol 0 is the one non-printable among them;
 * the backslash is the first (lowest) code of 19 bits.
 */
const symbolsByCodeLength: readonly (readonly [number, string])[] = [
  [5, "012aceiost"],
  [6, " %-./3456789=A_bdfghlmnpru"],
  [7, ":BCDEFGHIJKLMNOPQRSTUVWYjkqvwxyz"],
  [8, "&*,;XZ"],
  [10, '!"()?'],
  [11, "'+|"],
  [12, "#>"],
  [13, "\u0000$@[]~"],
  [14, "^}"],
  [15, "<`{"],
  [19, "\\"],
];

interface CodeRange {
  length: number;
  firstCode: number;
  symbols: Uint8Array;
}

const huffmanRanges: readonly CodeRange[] = (() => {
  const ranges: CodeRange[] = [];
  let code = 0;
  let length = symbolsByCodeLength[0]![0];
  for (const [nextLength, symbols] of symbolsByCodeLength) {
    code <<= nextLength - length;
    length = nextLength;
    ranges.push({ length, firstCode: code, symbols: Buffer.from(symbols, "latin1") });
    code += symbols.length;
  }
  return ranges;
})();
const longestKnownCode = huffmanRanges[huffmanRanges.length - 1]!.length;
const shortestCode = huffmanRanges[0]!.length;

/** Decoded bytes go here and become one string at the end (appending per symbol made garbage). */
let scratch = Buffer.allocUnsafe(256);

/** Decodes bytes [start, end) of `bytes`. */
export function huffmanDecode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // Every symbol takes at least `shortestCode` bits, which bounds the output.
  const outMax = Math.ceil(((end - start) * 8) / shortestCode);
  if (scratch.length < outMax) scratch = Buffer.allocUnsafe(outMax);
  let outLength = 0;
  let bits = 0; // the unread bits, most significant first
  let bitCount = 0;
  let index = start;
  for (;;) {
    while (bitCount < longestKnownCode && index < end) {
      bits = (bits << 8) | bytes[index++]!;
      bitCount += 8;
    }
    if (bitCount === 0) return scratch.toString("latin1", 0, outLength);
    let matched = false;
    for (const range of huffmanRanges) {
      if (range.length > bitCount) break;
      const offset = (bits >>> (bitCount - range.length)) - range.firstCode;
      if (offset >= 0 && offset < range.symbols.length) {
        scratch[outLength++] = range.symbols[offset]!;
        bitCount -= range.length;
        bits &= (1 << bitCount) - 1;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    // What is left must be padding: fewer than 8 bits, all ones (the start of EOS).
    if (index === end && bitCount < 8 && bits === (1 << bitCount) - 1)
      return scratch.toString("latin1", 0, outLength);
    throw new HpackError("Huffman string has a symbol outside printable ASCII, or bad padding");
  }
}

/**
 * Reads a header block's representations in order: the integers and strings of RFC 7541 5.1 and
 * 5.2, from a cursor over [start, end) of a buffer, so decoding a block allocates only the
 * strings it is asked for.
 */
class BlockReader {
  constructor(
    private readonly block: Buffer,
    public at: number,
    readonly end: number,
  ) {}

  peek(): number {
    return this.block[this.at]!;
  }

  integer(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = this.block[this.at++]! & max;
    if (value < max) return value;
    for (let shift = 0; ; shift += 7) {
      if (this.at >= this.end || shift > 21)
        throw new HpackError("integer runs past the block or is too large");
      const byte = this.block[this.at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  }

  /** A string literal; "" without decoding it when it is not wanted. */
  string(wanted = true): string {
    if (this.at >= this.end) throw new HpackError("string runs past the block");
    const huffman = (this.block[this.at]! & 0x80) !== 0;
    const length = this.integer(7);
    const start = this.at;
    this.at += length;
    if (this.at > this.end) throw new HpackError("string runs past the block");
    if (!wanted) return "";
    return huffman
      ? huffmanDecode(this.block, start, this.at)
      : this.block.toString("latin1", start, this.at);
  }
}

function staticEntry(index: number): readonly [string, string] {
  const entry = staticTable[index - 1];
  if (!entry) throw new HpackError(`header index ${index} is not in the static table`); // index 0
  return entry;
}

/** RFC 7541 4.1: an entry's size is its name and value lengths in octets plus 32. */
const entryOverhead = 32;

/**
 * One direction of a connection's header compression: decodes header blocks in the order they
 * arrive, keeping the dynamic table (RFC 7541 2.3.2) the peer's encoder fills. `tableSizeMax` is the
 * SETTINGS_HEADER_TABLE_SIZE this side advertised (4,096 when it advertised none); a size update
 * beyond it, an index past the table, or bad Huffman is an HpackError, which is a connection
 * error of type COMPRESSION_ERROR.
 */
export class HpackDecoder {
  /** Newest first, as dynamic-table indexes count (62 is the newest). */
  private readonly entries: (readonly [string, string])[] = [];
  private size = 0;
  private capacity: number;

  constructor(private readonly tableSizeMax: number) {
    this.capacity = tableSizeMax;
  }

  /**
   * Calls `onHeader` for each header of the complete block in [start, end) of `block`, in order. A
   * literal the encoder did not index is decoded only when `wantsValue(name)`; the others are
   * passed as "" (most of a response's headers are never read).
   */
  decode(
    block: Buffer,
    start: number,
    end: number,
    onHeader: (name: string, value: string) => void,
    wantsValue: (name: string) => boolean = () => true,
  ): void {
    const reader = new BlockReader(block, start, end);
    let fieldSeen = false;
    while (reader.at < end) {
      const first = reader.peek();
      if (first & 0x80) {
        const [name, value] = this.entry(reader.integer(7));
        onHeader(name, value);
      } else if ((first & 0xe0) === 0x20) {
        // A table size update may only open a block (RFC 7541 4.2).
        const size = reader.integer(5);
        if (fieldSeen) throw new HpackError("table size update after a header field");
        if (size > this.tableSizeMax)
          throw new HpackError(
            `table size update to ${size} exceeds the advertised ${this.tableSizeMax}`,
          );
        this.capacity = size;
        this.evictTo(size);
        continue;
      } else {
        // A literal: with incremental indexing (6-bit index prefix), or without / never indexed (4-bit).
        const indexed = (first & 0xc0) === 0x40;
        const nameIndex = reader.integer(indexed ? 6 : 4);
        const name = nameIndex === 0 ? reader.string() : this.entry(nameIndex)[0];
        const value = reader.string(indexed || wantsValue(name));
        if (indexed) this.add(name, value);
        onHeader(name, value);
      }
      fieldSeen = true;
    }
  }

  private entry(index: number): readonly [string, string] {
    if (index <= staticTable.length) return staticEntry(index);
    const entry = this.entries[index - staticTable.length - 1];
    if (!entry) throw new HpackError(`header index ${index} is past the dynamic table`);
    return entry;
  }

  private add(name: string, value: string): void {
    const size = name.length + value.length + entryOverhead;
    // An entry larger than the table empties it and is not added (RFC 7541 4.4).
    this.evictTo(Math.max(0, this.capacity - size));
    if (size > this.capacity) return;
    this.entries.unshift([name, value]);
    this.size += size;
  }

  private evictTo(size: number): void {
    while (this.size > size) {
      const [name, value] = this.entries.pop()!;
      this.size -= name.length + value.length + entryOverhead;
    }
  }
}

function integerBytes(value: number, prefixBits: number, flags: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function stringBytes(value: string): number[] {
  const raw = Buffer.from(value, "latin1");
  return [...integerBytes(raw.length, 7, 0), ...raw];
}

/** An indexed header field: a whole static-table entry in one byte. */
export const indexedField = (index: number): number[] => integerBytes(index, 7, 0x80);

/** A literal header field without indexing, its name from the static table or given literally. */
export function literalField(name: number | string, value: string): number[] {
  const nameBytes = typeof name === "number" ? integerBytes(name, 4, 0) : [0, ...stringBytes(name)];
  return [...nameBytes, ...stringBytes(value)];
}
