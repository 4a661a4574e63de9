/** A log line as JSON: pino's fields, and `msg`. */
export type LogLine = Record<string, unknown>;

/**
 * A destination for an in-process logger (`createLogger(service, level, destination)`) that keeps
 * every line, parsed, for the test to read back.
 */
export function captureLogLines(): {
  destination: { write(line: string): void };
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  return { destination: { write: (line) => void lines.push(JSON.parse(line) as LogLine) }, lines };
}
