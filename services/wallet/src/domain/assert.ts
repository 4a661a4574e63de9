/**
 * Assertions for programmer errors: a broken invariant the code itself should have made
 * impossible. They throw, and the caller answers INTERNAL; an operating error (a bad request, an
 * outage) is a handled result, never an assertion.
 */
export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** The value, which the caller knows is there; throws naming what was missing if it is not. */
export function present<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new AssertionError(`${what} is missing`);
  return value;
}
