/**
 * The gateway's only body parser. JSON.parse turns every number into a double, so 2^53+1 would
 * silently become 2^53; this parser looks at each number's text first and refuses any that is
 * not an integer JSON can carry exactly. Clients send larger values as decimal strings.
 */
import { ApiError, invalidRequest } from "./api-error.js";
import { jsonIntegerMax } from "./amount.js";

const plainInteger = /^-?(0|[1-9][0-9]*)$/;

/** Parses a request body; throws a 400 ApiError for an empty body, broken JSON or an inexact number. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "")
    throw new ApiError(400, "INVALID_ARGUMENT", "body: a JSON object is required");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, "INVALID_ARGUMENT", "body: is not valid JSON");
  }
  const inexact = findInexactNumber(text);
  if (inexact !== undefined) {
    throw plainInteger.test(inexact.literal)
      ? invalidRequest(
          inexact.field,
          `JSON numbers above ${jsonIntegerMax} are not exact; send the value as a decimal string`,
        )
      : invalidRequest(inexact.field, "numbers must be integers written in plain digits");
  }
  return value;
}

export interface InexactNumber {
  /** The key the number is the value of (or an element of), best effort; "body" at the top. */
  field: string;
  literal: string;
}

/**
 * Finds the first number in valid JSON text that is not a plain integer within ±(2^53−1):
 * a fraction, an exponent, or a magnitude JSON.parse would round.
 */
export function findInexactNumber(text: string): InexactNumber | undefined {
  let lastString = "body";
  let field = "body";
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      lastString = JSON.parse(text.slice(i, end + 1)) as string;
      i = end;
    } else if (char === ":") {
      field = lastString;
    } else if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) {
      let end = i + 1;
      while (end < text.length && /[-+0-9.eE]/.test(text.charAt(end))) end++;
      const literal = text.slice(i, end);
      if (!plainInteger.test(literal) || !Number.isSafeInteger(Number(literal)))
        return { field, literal };
      i = end - 1;
    }
  }
  return undefined;
}
