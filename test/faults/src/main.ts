#!/usr/bin/env node
/**
 * `faults [--ci] [--seed N]`: runs the fault and hostile-input suite, prints its table, and exits
 * 1 if any violation was found (2 if the suite itself could not run).
 */
import { parseCliArgs } from "./cli-args.js";
import { runFaultSuite } from "./run-fault-suite.js";

async function main(): Promise<number> {
  let args;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const result = await runFaultSuite({ ci: args.ci, seed: args.seed, only: args.only });
  process.stdout.write(`${result.text}\n`);
  if (result.errors.length > 0) return 2;
  return result.violations === 0 ? 0 : 1;
}

// A second Ctrl-C is not needed: the suite's own clean-up runs on the first via the exit path.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `faults failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(2);
  },
);
