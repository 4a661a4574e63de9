import http2 from "node:http2";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { decodeHeaderBlock, HpackError, huffmanDecode, indexedField, literalField, staticIndex } from "./hpack.js";

function decodeAll(block: Buffer): [string, string][] {
  const headers: [string, string][] = [];
  decodeHeaderBlock(block, 0, block.length, () => true, (name, value) => headers.push([name, value]));
  return headers;
}

/** The header block node's HTTP/2 client (nghttp2's encoder) sends for a request with these headers. */
async function blockNodeSends(headers: Record<string, string>): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on("error", () => {});
  try {
    return await new Promise<Buffer>((resolve) => {
      server.on("connection", (socket) => {
        socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])); // an empty SETTINGS frame
        let bytes = Buffer.alloc(0);
        socket.on("data", (chunk: Buffer) => {
          bytes = Buffer.concat([bytes, chunk]);
          for (let at = 24; at + 9 <= bytes.length; ) {
            const length = bytes.readUIntBE(at, 3);
            if (at + 9 + length > bytes.length) break;
            if (bytes[at + 3] === 1) return resolve(Buffer.from(bytes.subarray(at + 9, at + 9 + length)));
            at += 9 + length;
          }
        });
      });
      client.request({ ":path": "/", ...headers }).on("error", () => {});
    });
  } finally {
    client.destroy();
    server.close();
  }
}

describe("HPACK decoding", () => {
  it("decodes every printable ASCII character as node's HTTP/2 encoder Huffman-codes it", async () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
    // Short-code letters between them make Huffman the shorter form, so the encoder uses it.
    const probe = printable.map((char) => `${char}aeio`).join("");
    const block = await blockNodeSends({ "x-probe": probe });
    expect(block.length).toBeLessThan(probe.length);
    expect(decodeAll(block)).toContainEqual(["x-probe", probe]);
  });

  it("decodes the Huffman strings of RFC 7541's examples", () => {
    expect(huffmanDecode(Buffer.from("f1e3c2e5f23a6ba0ab90f4ff", "hex"))).toBe("www.example.com");
    expect(huffmanDecode(Buffer.from("a8eb10649cbf", "hex"))).toBe("no-cache");
    expect(huffmanDecode(Buffer.from("25a849e95ba97d7f", "hex"))).toBe("custom-key");
  });

  it("refuses padding that is not the start of EOS, or longer than 7 bits", () => {
    // "0" is 00000; three padding bits must be 111.
    expect(huffmanDecode(Buffer.from([0b00000111]))).toBe("0");
    expect(() => huffmanDecode(Buffer.from([0b00000000]))).toThrow(HpackError);
    expect(() => huffmanDecode(Buffer.from([0b00000111, 0xff]))).toThrow(HpackError);
  });

  it("reads back the request headers the client encodes, including lengths past a one-byte prefix", () => {
    const longPath = `/${"p".repeat(300)}`;
    const block = Buffer.from([
      ...indexedField(staticIndex.methodPost),
      ...literalField(staticIndex.path, longPath),
      ...literalField("grpc-timeout", "5000m"),
    ]);
    expect(decodeAll(block)).toEqual([
      [":method", "POST"],
      [":path", longPath],
      ["grpc-timeout", "5000m"],
    ]);
  });

  it("passes a literal with incremental indexing through, since a table of size 0 keeps nothing", () => {
    // 0x40: literal with incremental indexing, new name; then the size update to 0 (0x20).
    const block = Buffer.from([0x20, 0x40, 3, ...Buffer.from("foo"), 3, ...Buffer.from("bar"), ...indexedField(8)]);
    expect(decodeAll(block)).toEqual([
      ["foo", "bar"],
      [":status", "200"],
    ]);
  });

  it("decodes only the values asked for", () => {
    const block = Buffer.from([...literalField("grpc-status", "0"), ...literalField("grpc-accept-encoding", "identity")]);
    const seen: [string, string][] = [];
    decodeHeaderBlock(block, 0, block.length, (name) => name === "grpc-status", (name, value) => seen.push([name, value]));
    expect(seen).toEqual([
      ["grpc-status", "0"],
      ["grpc-accept-encoding", ""],
    ]);
  });

  it("refuses dynamic-table references, a table larger than advertised, and truncated strings", () => {
    expect(() => decodeAll(Buffer.from([0x80 | 62]))).toThrow(/static table/);
    expect(() => decodeAll(Buffer.from([0x3f, 0xe1, 0x1f]))).toThrow(/exceeds the advertised 0/);
    expect(() => decodeAll(Buffer.from([0x00, 5, ...Buffer.from("ab")]))).toThrow(/past the block/);
  });
});
