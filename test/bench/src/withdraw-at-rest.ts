/**
 * `withdraw-at-rest`: the end-to-end latency of one withdrawal on an idle system, from the call
 * to the moment GetTransaction shows it completed, one withdrawal at a time (so nothing queues),
 * with bank-sim at a fixed latency. Prints p50/p90/p99/max over N withdrawals.
 *
 *   node test/bench/dist/withdraw-at-rest.js [--count 200] [--bank-latency-ms 20]
 */
import { createWalletClient, TransactionStatus } from "@wallet/proto";
import { startSystem } from "@wallet/test-kit";
import { createLatencyHistogram } from "./latency-histogram.js";

function option(name: string, fallback: number, max: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`--${name} takes a whole number from 1 to ${max}`);
  return value;
}

async function main(): Promise<void> {
  const count = option("count", 200, 10_000);
  const bankLatencyMs = option("bank-latency-ms", 20, 10_000);
  const system = await startSystem({
    bankEnv: {
      BANK_SIM_LATENCY_MS_MIN: String(bankLatencyMs),
      BANK_SIM_LATENCY_MS_MAX: String(bankLatencyMs),
    },
  });
  const client = createWalletClient(system.walletAddresses[0]!, 10_000);
  const histogram = createLatencyHistogram();
  try {
    await client.charge({
      userId: 1n,
      amount: BigInt(count) * 10n,
      idempotencyKey: "at-rest-funding",
    });
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const { transaction } = await client.withdraw({
        userId: 1n,
        amount: 1n,
        idempotencyKey: `at-rest-${i}`,
      });
      // Poll tightly: the poll interval bounds the resolution of the measurement.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { transaction: now } = await client.getTransaction({ id: transaction!.id });
        if (now?.status === TransactionStatus.TRANSACTION_STATUS_COMPLETED) break;
        if (Date.now() > deadline)
          throw new Error(`withdrawal ${transaction!.id} did not complete within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      histogram.record(performance.now() - started);
    }
    const s = histogram.summary()!;
    process.stdout.write(
      `withdraw-at-rest: ${count} withdrawals, bank latency ${bankLatencyMs} ms, call → completed: ` +
        `p50 ${s.p50.toFixed(1)} ms, p90 ${s.p90.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms\n`,
    );
  } finally {
    client.close();
    await system.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `withdraw-at-rest failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
