/**
 * Money is a bigint count of minor units. Nothing on the money path is ever a float or a JS
 * number; these bounds are the int64 wire limits of the contract.
 */
import { invalidArgument } from "@wallet/errors";

export const maxMinorUnits = 2n ** 63n - 1n;

/** An amount a request may carry: 1 ≤ amount ≤ 2^63−1. */
export function requirePositiveAmount(field: string, amount: bigint): bigint {
  if (amount <= 0n) throw invalidArgument(field, "must be greater than 0");
  if (amount > maxMinorUnits) throw invalidArgument(field, "must be at most 9223372036854775807");
  return amount;
}
