/**
 * Where the compiled services are. They are workspace dependencies of the bench, which also
 * makes turbo build them before it; a service that is not built yet resolves to undefined so the
 * bench can report the scenarios that need it as not run instead of crashing.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function packageFile(packageName: string, file: string): string | undefined {
  try {
    const path = join(dirname(require.resolve(`${packageName}/package.json`)), file);
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

export const serviceEntries = {
  wallet: () => packageFile("@wallet/wallet", "dist/main.js"),
  walletMigrate: () => packageFile("@wallet/wallet", "dist/cli/migrate.js"),
  settlement: () => packageFile("@wallet/settlement", "dist/main.js"),
  bankSim: () => packageFile("@wallet/bank-sim", "dist/main.js"),
  /** The bench's own processes, next to this file in dist/. */
  loadGenerator: () => join(__dirname, "load-generator.js"),
  noopServer: () => join(__dirname, "noop-server.js"),
};
