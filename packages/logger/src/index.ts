/**
 * The process logger: structured JSON on stdout. bigint values are written as strings, because
 * a bare JSON number above 2^53 is rounded by JavaScript readers and money must survive a log.
 *
 * Lines go to stdout asynchronously: a line written while the previous write is still in flight
 * joins the next write, so a busy service makes one write call per burst instead of one per line.
 * Even so, a line per operation takes throughput from the hot path, so the common successful
 * operations log at debug (docs/decisions/2026-11-27-log-lines-per-operation.md). pino flushes
 * what is buffered when the process exits; only a SIGKILL can lose the last lines.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/** `destination` is stdout unless given (tests pass one to read the lines back). */
export function createLogger(
  service: string,
  level: string = "info",
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
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
        method.apply(this, args);
      },
    },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
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
