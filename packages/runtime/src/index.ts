/** Process lifecycle helpers shared by every service's main.ts. */
export * from "./lifecycle.js";
export * from "./health-monitor.js";
export * from "./process-env.js";
