// ESLint for the whole repository: typescript-eslint's strict, type-aware rules on every
// TypeScript file, each file checked against the tsconfig that compiles it (with its tests).
import { existsSync } from "node:fs";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const root = import.meta.dirname;
/** Every workspace package's tsconfig that includes its tests. */
const projects = ["packages", "services", "test"].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(group, entry.name))
    .map((dir) =>
      [join(dir, "tsconfig.test.json"), join(dir, "tsconfig.json")].find((file) =>
        existsSync(join(root, file)),
      ),
    )
    .filter((file) => file !== undefined),
);

const nodeGlobals = Object.fromEntries(
  [
    "process",
    "console",
    "Buffer",
    "URL",
    "fetch",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "AbortController",
    "AbortSignal",
  ].map((name) => [name, "readonly"]),
);

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      "**/src/gen/**",
      "**/descriptor/**",
      "**/.turbo/**",
      "bench-results/**",
      "**/vitest.config.mts",
      "**/drizzle.config.ts",
    ],
  },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { project: projects, tsconfigRootDir: root } },
    rules: {
      // Money is bigint: a bigint in a message is exact, as a number is.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      // A void call as an arrow's body is the idiom for callbacks: `(err) => reject(err)`.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // An async function is how a handler meets a Promise-returning interface (Fastify routes,
      // fakes of async ports), awaiting or not.
      "@typescript-eslint/require-await": "off",
      // Forwarding a caught value as the rejection keeps its cause for the log.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      // TypeScript narrows a `let` flag that callbacks or awaited work change (stopping, closing,
      // timed out), so this rule reports the very checks every shutdown-aware loop needs.
      "@typescript-eslint/no-unnecessary-condition": "off",
      // `_` marks an argument a callback signature requires but the code does not use.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // Tests and test tooling assert what they index with `!`: a missing value fails the run
    // either way. Product code (services/, packages/) checks explicitly.
    files: ["**/*.test.ts", "test/**/*.ts", "**/testing/**/*.ts", "packages/test-kit/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      // Tooling hands around ts-proto's and proto-loader's method definitions, plain functions
      // that their types declare as methods.
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    // Tests read JSON answers and raw frames whose shape their assertions check, and their
    // teardown guards (`harness?.close()`) values a failed setup never assigned.
    files: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-unnecessary-condition": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Tests pass on what they were handed, errors or not, and feed out-of-range codes on purpose.
      "@typescript-eslint/prefer-promise-reject-errors": "off",
      "@typescript-eslint/no-unsafe-enum-assignment": "off",
    },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { globals: nodeGlobals },
  },
);
