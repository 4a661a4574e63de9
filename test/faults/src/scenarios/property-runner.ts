/**
 * Runs one fast-check property against the live system. Every generated request is judged and
 * every violation recorded (rather than stopping at the first and shrinking, which would replay
 * money-moving requests against a live ledger); the seed is printed, so `--seed` replays the very
 * same inputs in the same order.
 */
import fc from "fast-check";
import type { ScenarioReport } from "../report/scenario-report.js";

export async function runProperty<T>(
  report: ScenarioReport,
  name: string,
  arbitrary: fc.Arbitrary<T>,
  seed: number,
  numRuns: number,
  judge: (value: T, run: number) => Promise<void>,
  /** Inputs always tried first, whatever the seed: the cases a regression must never slip past. */
  examples: readonly T[] = [],
): Promise<void> {
  let run = 0;
  let failures = 0;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      run += 1;
      try {
        await judge(value, run);
      } catch (err) {
        // The suite's own failure (a probe query, say), not the system's: note it and go on.
        failures += 1;
        if (failures <= 3)
          report.notes.push(
            `${name} run ${run}: the suite could not judge the answer: ${err instanceof Error ? err.message : String(err)}`,
          );
      }
      return true;
    }),
    { seed, numRuns, endOnFailure: true, examples: examples.map((example) => [example] as [T]) },
  );
  report.notes.push(`fast-check property "${name}": seed ${seed}, ${details.numRuns} runs`);
  // Only the suite's own generators can make the property fail (judge never throws): say so.
  if (details.failed)
    throw new Error(
      `property "${name}" stopped after ${details.numRuns} runs: ${String(details.errorInstance)}`,
    );
}
