/**
 * bank-sim's admin API, for the end-to-end tests, the fault suite and the bench: its ledger (how
 * many times money moved per reference), its behaviour and scripted outcomes. The ledger is the
 * independent witness of double payment: the wallet cannot hide a second payout.
 */
export interface BankPayout {
  reference: string;
  status: "paid" | "rejected" | "undecided";
  amount: string;
  pay_count: number;
  requests: number;
}

export async function bankPayouts(bankUrl: string): Promise<BankPayout[]> {
  const res = await fetch(`${bankUrl}/admin/payouts`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /admin/payouts answered ${res.status}`);
  return ((await res.json()) as { payouts: BankPayout[] }).payouts;
}

export type BankBehaviour = Partial<{
  latency_ms_min: number;
  latency_ms_max: number;
  reject_rate: number;
  error_rate: number;
  hang_rate: number;
  lost_response_rate: number;
}>;

export async function setBankBehaviour(bankUrl: string, behaviour: BankBehaviour): Promise<void> {
  const res = await fetch(`${bankUrl}/admin/behaviour`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(behaviour),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`PUT /admin/behaviour refused: ${res.status} ${await res.text()}`);
}

/** The next bank answers for `reference` (or any reference: "*"), in order, before the random mix. */
export async function scriptBank(
  bankUrl: string,
  outcomes: string[],
  reference = "*",
): Promise<void> {
  const res = await fetch(`${bankUrl}/admin/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ reference, outcomes }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`POST /admin/script refused: ${res.status} ${await res.text()}`);
}
