/**
 * The JetStream contract between the wallet and settlement. Both sides import it, so stream
 * names, subjects and payloads cannot drift apart.
 */
export * from "./topology.js";
export * from "./codec.js";
