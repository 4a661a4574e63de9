/**
 * Configuration from environment variables. Each service declares a zod schema whose keys are
 * the variable names; `loadConfig` validates all of them at once, so an operator sees every bad
 * key in one start-up, and returns a frozen object. Only this module reads `process.env`.
 */
import { z } from "zod";

export { z };

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Validates `env` against `schema`; throws a ConfigError listing every bad key. */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join(".") || "(environment)";
      const value = typeof issue.path[0] === "string" ? env[issue.path[0]] : undefined;
      return `${key}: ${issue.message}${value === undefined ? "" : ` (got ${JSON.stringify(value)})`}`;
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(result.data);
}

/**
 * Loads configuration for a process entry point: on failure prints every problem and exits 2,
 * so a misconfigured service never starts half-way.
 */
export function loadConfigOrExit<S extends z.ZodObject>(
  serviceName: string,
  schema: S,
): Readonly<z.infer<S>> {
  try {
    return loadConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${serviceName}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** An integer variable within [min, max], with a default. */
export function intVar(defaultValue: number, min: number, max: number) {
  return z.coerce
    .number({ error: "must be an integer" })
    .int({ error: "must be an integer" })
    .min(min, { error: `must be >= ${min}` })
    .max(max, { error: `must be <= ${max}` })
    .default(defaultValue);
}

/** A TCP port; 0 asks the OS for a free one (tests use that). */
export function portVar(defaultValue: number) {
  return intVar(defaultValue, 0, 65535);
}

/** A URL with one of the given schemes. */
export function urlVar(defaultValue: string, schemes: readonly string[]) {
  return z
    .string()
    .default(defaultValue)
    .refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol.replace(/:$/, ""));
        } catch {
          return false;
        }
      },
      { error: `must be a URL with scheme ${schemes.join(" or ")}` },
    );
}

/** A boolean written as true/false/1/0. */
export function boolVar(defaultValue: boolean) {
  return z
    .enum(["true", "false", "1", "0"], { error: "must be true, false, 1 or 0" })
    .default(defaultValue ? "true" : "false")
    .transform((value) => value === "true" || value === "1");
}

export const logLevelVar = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
  .default("info");
