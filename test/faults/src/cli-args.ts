/** `faults [--ci] [--seed N] [--only 1,3]`: parsed strictly, every mistake named. */
export interface CliArgs {
  ci: boolean;
  seed: number | undefined;
  /** Scenario numbers to run; all when absent (a debugging aid, not for CI). */
  only: number[] | undefined;
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { ci: false, seed: undefined, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--ci") args.ci = true;
    else if (arg === "--seed") {
      const value = argv[++i];
      if (value === undefined || !/^\d{1,10}$/.test(value) || Number(value) > 0xffffffff)
        throw new Error("--seed takes an integer from 0 to 4294967295");
      args.seed = Number(value);
    } else if (arg === "--only") {
      const value = argv[++i];
      if (value === undefined || !/^[1-4](,[1-4])*$/.test(value))
        throw new Error("--only takes scenario numbers 1-4, comma-separated");
      args.only = value.split(",").map(Number);
    } else if (arg === "--help" || arg === "-h") {
      throw new Error("usage: faults [--ci] [--seed N] [--only 1,2,3,4]");
    } else
      throw new Error(`unknown argument ${arg}; usage: faults [--ci] [--seed N] [--only 1,2,3,4]`);
  }
  return args;
}
