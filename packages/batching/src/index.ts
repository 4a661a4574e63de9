export * from "./micro-batcher.js";
export * from "./take-batch.js";
