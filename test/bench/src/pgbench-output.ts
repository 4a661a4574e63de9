/**
 * Reads what pgbench prints. Only the summary lines this bench relies on are parsed; a missing
 * one is an error naming the line, so a pgbench upgrade that changes the format fails loudly
 * instead of reporting zero.
 */

export interface PgbenchSummary {
  /** pgbench's own figure, which leaves out the time spent opening connections. */
  tps: number;
  latencyAverageMs: number;
  transactions: number;
  failedTransactions: number;
}

function numberAfter(output: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(output);
  if (!match?.[1]) throw new Error(`pgbench output has no "${what}" line:\n${output}`);
  return Number(match[1]);
}

export function parsePgbenchSummary(output: string): PgbenchSummary {
  return {
    tps: numberAfter(output, /^tps = ([\d.]+)/m, "tps = "),
    latencyAverageMs: numberAfter(output, /^latency average = ([\d.]+) ms/m, "latency average = "),
    // With -t the line reads "processed: 200/200"; with -T just the count.
    transactions: numberAfter(
      output,
      /^number of transactions actually processed: (\d+)/m,
      "number of transactions actually processed",
    ),
    // Older pgbench versions print no failure line: they stop at the first failure instead.
    failedTransactions: Number(/^number of failed transactions: (\d+)/m.exec(output)?.[1] ?? 0),
  };
}

/**
 * One line of a pgbench per-transaction log (`-l`): `client_id transaction_no time script_no
 * time_epoch time_us ...`, where `time` is the transaction's latency in microseconds. Failed
 * transactions carry a word instead of a number there and are skipped (undefined).
 */
export function latencyMsFromLogLine(line: string): number | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 6) return undefined;
  const latencyUs = Number(fields[2]);
  return Number.isFinite(latencyUs) ? latencyUs / 1000 : undefined;
}
