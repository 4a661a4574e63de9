/**
 * The simulator's source of randomness. Seeded, it replays the same sequence of outcomes and
 * latencies for the same sequence of requests, so a failing benchmark or test can be rerun.
 */

/** Returns a number in [0, 1), like Math.random. */
export type Random = () => number;

/** A seeded generator (mulberry32: small, fast, good enough for a simulation), or Math.random. */
export function createRandom(seed?: number): Random {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer drawn uniformly from [min, max]. */
export function randomIntInclusive(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
