/**
 * Helpers shared by integration and end-to-end tests. Every test run gets its own database (and
 * its own NATS stream names, via `uniqueName`), so suites run in parallel and leave nothing behind.
 */
export * from "./database.js";
export * from "./process.js";
export * from "./wait.js";
export * from "./system-launcher.js";
export * from "./system.js";
export * from "./bank-admin.js";
export * from "./log-capture.js";
