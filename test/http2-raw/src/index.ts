export * from "./frames.js";
export * from "./hpack.js";
export * from "./raw-client.js";
