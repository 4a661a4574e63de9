/**
 * The process logger: structured JSON on stdout. bigint values are written as strings, because
 * a bare JSON number above 2^53 is rounded by JavaScript readers and money must survive a log.
 */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(service: string, level: string = "info"): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        const [first] = args;
        if (first !== null && typeof first === "object" && !(first instanceof Error)) {
          args[0] = stringifyBigints(first as Record<string, unknown>);
        }
        return method.apply(this, args);
      },
    },
  });
}

function stringifyBigints(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "bigint") {
      copy ??= { ...fields };
      copy[key] = value.toString();
    }
  }
  return copy ?? fields;
}
