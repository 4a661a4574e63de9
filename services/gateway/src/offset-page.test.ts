import { describe, expect, it } from "vitest";
import {
  TransactionStatus,
  TransactionType,
  type ListTransactionsRequest,
  type Transaction,
} from "@wallet/proto";
import { fetchOffsetPage, type ListTransactionsCall } from "./offset-page.js";

/** A fake wallet with `count` transactions, newest first, paged by keyset tokens like the real one. */
function fakeWallet(count: number): {
  list: ListTransactionsCall;
  calls: ListTransactionsRequest[];
} {
  const all: Transaction[] = Array.from({ length: count }, (_, i) => ({
    id: `tx-${count - i}`,
    userId: 1n,
    type: TransactionType.TRANSACTION_TYPE_CHARGE,
    amount: BigInt(count - i),
    status: TransactionStatus.TRANSACTION_STATUS_COMPLETED,
    idempotencyKey: `k${count - i}`,
    bankReference: "",
    failureReason: "",
    relatedTransactionId: "",
  }));
  const calls: ListTransactionsRequest[] = [];
  const list: ListTransactionsCall = async (request) => {
    calls.push(request);
    expect(request.pageSize).toBeGreaterThanOrEqual(1);
    expect(request.pageSize).toBeLessThanOrEqual(100);
    const start = request.pageToken === "" ? 0 : Number(request.pageToken);
    const transactions = all.slice(start, start + request.pageSize);
    const next = start + request.pageSize;
    return { transactions, nextPageToken: next < all.length ? String(next) : "" };
  };
  return { list, calls };
}

const ids = (transactions: Transaction[]) => transactions.map((tx) => tx.id);

describe("fetchOffsetPage", () => {
  it("returns the first page with one wallet call", async () => {
    const wallet = fakeWallet(25);
    const page = await fetchOffsetPage(wallet.list, 1n, 1, 10);
    expect(ids(page.transactions)).toEqual(Array.from({ length: 10 }, (_, i) => `tx-${25 - i}`));
    expect(page.hasMore).toBe(true);
    expect(wallet.calls).toHaveLength(1);
  });

  it("returns a middle page and the short last page", async () => {
    const wallet = fakeWallet(25);
    expect(ids((await fetchOffsetPage(wallet.list, 1n, 2, 10)).transactions)).toEqual(
      Array.from({ length: 10 }, (_, i) => `tx-${15 - i}`),
    );
    const last = await fetchOffsetPage(wallet.list, 1n, 3, 10);
    expect(ids(last.transactions)).toEqual(["tx-5", "tx-4", "tx-3", "tx-2", "tx-1"]);
    expect(last.hasMore).toBe(false);
  });

  it("says there is nothing more on a page that ends exactly at the last transaction", async () => {
    const page = await fetchOffsetPage(fakeWallet(20).list, 1n, 2, 10);
    expect(page.transactions).toHaveLength(10);
    expect(page.hasMore).toBe(false);
  });

  it("returns an empty page past the end without walking further", async () => {
    const wallet = fakeWallet(15);
    expect(await fetchOffsetPage(wallet.list, 1n, 50, 10)).toEqual({
      transactions: [],
      hasMore: false,
    });
    expect(wallet.calls).toHaveLength(1);
  });

  it("skips in wallet pages of at most 100, so a deep page costs few calls", async () => {
    const wallet = fakeWallet(1_000);
    const page = await fetchOffsetPage(wallet.list, 1n, 31, 7);
    expect(ids(page.transactions)).toEqual(
      Array.from({ length: 7 }, (_, i) => `tx-${1_000 - 210 - i}`),
    );
    expect(wallet.calls.map((call) => call.pageSize)).toEqual([100, 100, 10, 7]);
  });
});
