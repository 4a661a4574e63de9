/**
 * An HPACK Huffman encoder (RFC 7541 5.2) for every byte, non-ASCII included: hpack.ts decodes only
 * what gRPC sends, and a test of a server's decoder needs values it must accept although no gRPC
 * peer would send them.
 */

/**
 * RFC 7541 Appendix B: the code length in bits of each symbol 0..255. The code is canonical (codes
 * of one length are consecutive in symbol order, each length starting where the shorter ended),
 * so the lengths alone give every code.
 */
const codeLengths: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5,
  6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6,
  7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23,
  23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22,
  22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22,
  23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27,
  27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25,
  24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
];

const codes: readonly number[] = (() => {
  const bySymbol = new Array<number>(256).fill(0);
  const order = codeLengths
    .map((_, symbol) => symbol)
    .sort((a, b) => codeLengths[a]! - codeLengths[b]! || a - b);
  let code = 0;
  let length = codeLengths[order[0]!]!;
  for (const symbol of order) {
    // Codes reach 30 bits: multiply rather than shift, which would overflow a 32-bit int.
    code *= 2 ** (codeLengths[symbol]! - length);
    length = codeLengths[symbol]!;
    bySymbol[symbol] = code;
    code += 1;
  }
  return bySymbol;
})();

export function huffmanEncode(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  let bits = 0; // pending bits, most significant first; never more than 7 + 30
  let bitCount = 0;
  for (const byte of bytes) {
    bits = bits * 2 ** codeLengths[byte]! + codes[byte]!;
    bitCount += codeLengths[byte]!;
    while (bitCount >= 8) {
      bitCount -= 8;
      const top = Math.floor(bits / 2 ** bitCount);
      out.push(top);
      bits -= top * 2 ** bitCount;
    }
  }
  // Padding: the most significant bits of EOS, which are all ones.
  if (bitCount > 0) out.push(bits * 2 ** (8 - bitCount) + (2 ** (8 - bitCount) - 1));
  return Buffer.from(out);
}

/** A literal header field without indexing, with a literal name and a Huffman-coded value; both under 127 bytes. */
export function huffmanLiteralField(name: string, value: Uint8Array): number[] {
  const coded = huffmanEncode(value);
  const nameBytes = Buffer.from(name, "latin1");
  if (coded.length >= 127 || nameBytes.length >= 127)
    throw new RangeError("huffmanLiteralField takes names and coded values under 127 bytes");
  return [0x00, nameBytes.length, ...nameBytes, 0x80 | coded.length, ...coded];
}
