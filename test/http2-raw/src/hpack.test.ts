import http2 from "node:http2";
import net from "node:net";
import { describe, expect, it } from "vitest";
import {
  HpackDecoder,
  HpackError,
  huffmanDecode,
  indexedField,
  literalField,
  staticIndex,
} from "./hpack.js";

function decodeAll(block: Buffer, decoder = new HpackDecoder(0)): [string, string][] {
  const headers: [string, string][] = [];
  decoder.decode(block, 0, block.length, (name, value) => headers.push([name, value]));
  return headers;
}

/** The header blocks node's HTTP/2 client (nghttp2's encoder) sends for requests with these headers, in order. */
async function blocksNodeSends(...requests: Record<string, string>[]): Promise<Buffer[]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on("error", () => {});
  try {
    return await new Promise<Buffer[]>((resolve) => {
      server.on("connection", (socket) => {
        socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])); // an empty SETTINGS frame
        let bytes = Buffer.alloc(0);
        socket.on("data", (chunk: Buffer) => {
          bytes = Buffer.concat([bytes, chunk]);
          const blocks: Buffer[] = [];
          for (let at = 24; at + 9 <= bytes.length;) {
            const length = bytes.readUIntBE(at, 3);
            if (at + 9 + length > bytes.length) break;
            if (bytes[at + 3] === 1)
              blocks.push(Buffer.from(bytes.subarray(at + 9, at + 9 + length)));
            at += 9 + length;
          }
          if (blocks.length === requests.length) resolve(blocks);
        });
      });
      for (const headers of requests)
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
    const [block] = await blocksNodeSends({ "x-probe": probe });
    expect(block!.length).toBeLessThan(probe.length);
    expect(decodeAll(block!, new HpackDecoder(4_096))).toContainEqual(["x-probe", probe]);
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
    const block = Buffer.from([
      0x20,
      0x40,
      3,
      ...Buffer.from("foo"),
      3,
      ...Buffer.from("bar"),
      ...indexedField(8),
    ]);
    expect(decodeAll(block)).toEqual([
      ["foo", "bar"],
      [":status", "200"],
    ]);
  });

  it("decodes only the values asked for", () => {
    const block = Buffer.from([
      ...literalField("grpc-status", "0"),
      ...literalField("grpc-accept-encoding", "identity"),
    ]);
    const seen: [string, string][] = [];
    new HpackDecoder(0).decode(
      block,
      0,
      block.length,
      (name, value) => seen.push([name, value]),
      (name) => name === "grpc-status",
    );
    expect(seen).toEqual([
      ["grpc-status", "0"],
      ["grpc-accept-encoding", ""],
    ]);
  });

  it("refuses dynamic-table references, a table larger than advertised, and truncated strings", () => {
    expect(() => decodeAll(Buffer.from([0x80 | 62]))).toThrow(/past the dynamic table/);
    expect(() => decodeAll(Buffer.from([0x80]))).toThrow(/static table/);
    expect(() => decodeAll(Buffer.from([0x3f, 0xe1, 0x1f]))).toThrow(/exceeds the advertised 0/);
    expect(() => decodeAll(Buffer.from([0x00, 5, ...Buffer.from("ab")]))).toThrow(/past the block/);
  });
});

describe("HPACK decoding with a dynamic table", () => {
  it("decodes RFC 7541's C.3 requests in order, each indexing what the next refers to", () => {
    const decoder = new HpackDecoder(4_096);
    const blocks = [
      "828684410f7777772e6578616d706c652e636f6d",
      "828684be58086e6f2d6361636865",
      "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    ];
    const [first, second, third] = blocks.map((hex) => decodeAll(Buffer.from(hex, "hex"), decoder));
    expect(first).toEqual([
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
    ]);
    expect(second).toEqual([
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
      ["cache-control", "no-cache"],
    ]);
    expect(third).toEqual([
      [":method", "GET"],
      [":scheme", "https"],
      [":path", "/index.html"],
      [":authority", "www.example.com"],
      ["custom-key", "custom-value"],
    ]);
  });

  it("follows node's encoder across requests that refer back to what it indexed", async () => {
    const headers = {
      "content-type": "application/grpc",
      te: "trailers",
      "x-request-id": "r-1",
      "user-agent": "grpc-node-js/1.14",
    };
    const blocks = await blocksNodeSends(headers, { ...headers, "x-request-id": "r-2" });
    // The second block is shorter: it refers to the first one's entries.
    expect(blocks[1]!.length).toBeLessThan(blocks[0]!.length);
    const decoder = new HpackDecoder(4_096);
    const [first, second] = blocks.map((block) => Object.fromEntries(decodeAll(block, decoder)));
    expect(first).toMatchObject(headers);
    expect(second).toMatchObject({ ...headers, "x-request-id": "r-2" });
  });

  it("evicts the oldest entries past the table size, and an index past the table is an error", () => {
    const decoder = new HpackDecoder(4_096);
    const indexed = (name: string, value: string) => [
      0x40,
      name.length,
      ...Buffer.from(name),
      value.length,
      ...Buffer.from(value),
    ];
    // A size update to 80 bytes: room for two 38-byte entries ("a" + "bbbbb" + 32), not three.
    decodeAll(
      Buffer.from([
        0x3f,
        80 - 31,
        ...indexed("a", "bbbbb"),
        ...indexed("c", "ddddd"),
        ...indexed("e", "fffff"),
      ]),
      decoder,
    );
    expect(decodeAll(Buffer.from([0x80 | 62, 0x80 | 63]), decoder)).toEqual([
      ["e", "fffff"],
      ["c", "ddddd"],
    ]);
    expect(() => decodeAll(Buffer.from([0x80 | 64]), decoder)).toThrow(/past the dynamic table/);
  });

  it("takes a table size update only at the start of a block and within the advertised size", () => {
    expect(() =>
      decodeAll(Buffer.from([...indexedField(2), 0x20]), new HpackDecoder(4_096)),
    ).toThrow(/after a header field/);
    expect(() => decodeAll(Buffer.from([0x3f, 0xe2, 0x1f]), new HpackDecoder(4_096))).toThrow(
      /exceeds the advertised 4096/,
    );
  });
});
