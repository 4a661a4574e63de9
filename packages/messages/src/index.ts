/**
 * The JetStream contract between the wallet and settlement, and the one way both connect to NATS.
 * Both sides import it, so stream names, subjects, payloads and connection policy cannot drift
 * apart.
 */
export * from "./topology.js";
export * from "./codec.js";
export * from "./nats-link.js";
