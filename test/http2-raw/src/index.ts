export * from "./frames.js";
export * from "./hpack.js";
export * from "./huffman-encode.js";
export * from "./raw-client.js";
export * from "./stream-answers.js";
