/**
 * The original API's `page` and `limit` on top of the wallet's keyset pagination. The wallet
 * only knows "the next page after this token", so page N is reached by walking from the newest
 * transaction: the first (N−1)·limit rows are skipped in wallet pages of up to 100, then one
 * page of `limit` is returned. The caller bounds N (GATEWAY_PAGE_MAX), which bounds the walk.
 * As with any offset paging, a transaction written between two requests shifts later pages by
 * one; clients that need a stable walk should page with the wallet's tokens over gRPC.
 */
import type { ListTransactionsRequest, ListTransactionsResponse, Transaction } from "@wallet/proto";

/** The wallet's largest page_size. */
export const walletPageSizeMax = 100;

export type ListTransactionsCall = (
  request: ListTransactionsRequest,
) => Promise<ListTransactionsResponse>;

export interface OffsetPage {
  transactions: Transaction[];
  /** true when at least one older transaction follows this page. */
  hasMore: boolean;
}

/** Fetches page `page` (1-based) of `limit` transactions, newest first. */
export async function fetchOffsetPage(
  list: ListTransactionsCall,
  userId: bigint,
  page: number,
  limit: number,
): Promise<OffsetPage> {
  let skipRows = (page - 1) * limit;
  let pageToken = "";
  while (skipRows > 0) {
    const pageSize = Math.min(skipRows, walletPageSizeMax);
    const skipped = await list({ userId, pageSize, pageToken });
    if (skipped.nextPageToken === "") return { transactions: [], hasMore: false };
    pageToken = skipped.nextPageToken;
    skipRows -= pageSize;
  }
  const result = await list({ userId, pageSize: limit, pageToken });
  return { transactions: result.transactions, hasMore: result.nextPageToken !== "" };
}
