// Generates TypeScript with ts-proto and a descriptor set (with imports) for server reflection.
// Runs from this package's folder; buf resolves the module from the repository root.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, "..");
const root = resolve(pkg, "../..");
const buf = resolve(pkg, "node_modules/.bin/buf");

rmSync(resolve(pkg, "src/gen"), { recursive: true, force: true });
mkdirSync(resolve(pkg, "descriptor"), { recursive: true });
// wallet.v1 and google.rpc.Status (the error details trailer) become TypeScript; the vendored
// health proto is served by grpc-health-check. buf resolves --path against the working
// directory, hence cwd: root.
const paths = ["proto/wallet", "proto/google/rpc"].flatMap((path) => ["--path", path]);
execFileSync(
  buf,
  ["generate", "--template", resolve(pkg, "buf.gen.yaml"), "-o", pkg, ...paths, "."],
  {
    cwd: root,
    stdio: "inherit",
  },
);
execFileSync(buf, ["build", ".", "-o", resolve(pkg, "descriptor/wallet.binpb")], {
  cwd: root,
  stdio: "inherit",
});
