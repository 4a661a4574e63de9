/**
 * How a figure varied over repeated runs. The median is what the report judges targets on: on a
 * shared, noisy machine one lucky or unlucky run must not decide a verdict.
 */

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Runs that produced this figure; fewer than the run count when a run could not measure it. */
  samples: number;
}

/** undefined when no run produced a value. */
export function spreadOf(values: readonly (number | undefined)[]): Spread | undefined {
  const present = values
    .filter((value): value is number => value !== undefined && Number.isFinite(value))
    .sort((a, b) => a - b);
  if (present.length === 0) return undefined;
  const middle = Math.floor(present.length / 2);
  const median =
    present.length % 2 === 1 ? present[middle]! : (present[middle - 1]! + present[middle]!) / 2;
  return { median, min: present[0]!, max: present[present.length - 1]!, samples: present.length };
}
