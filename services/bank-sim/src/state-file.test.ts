import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PayoutRecord } from "./payout-record.js";
import { openStateFile } from "./state-file.js";

const paid: PayoutRecord = {
  reference: "tx-1",
  userId: "u1",
  amountMinor: 123456789012345678n,
  decision: { status: "paid", bankReference: "bnk-1" },
  payCount: 1,
  requests: 2,
};

describe("openStateFile", () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bank-sim-state-"));
    path = join(dir, "ledger.jsonl");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("starts empty when the file does not exist", () => {
    const file = openStateFile(path);
    expect(file.records).toEqual([]);
    file.close();
  });

  it("reads back the last record written for each reference, amounts exact", () => {
    const file = openStateFile(path);
    file.write({ ...paid, decision: undefined, payCount: 0, requests: 1 });
    file.write(paid);
    file.write({
      reference: "tx-2",
      userId: "u2",
      amountMinor: 5n,
      decision: { status: "rejected", reason: "account_closed" },
      payCount: 0,
      requests: 1,
    });
    file.close();
    const reopened = openStateFile(path);
    expect(reopened.records).toEqual([
      paid,
      {
        reference: "tx-2",
        userId: "u2",
        amountMinor: 5n,
        decision: { status: "rejected", reason: "account_closed" },
        payCount: 0,
        requests: 1,
      },
    ]);
    reopened.close();
    // Opening compacted the file to one line per reference.
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("starts over after clear", () => {
    const file = openStateFile(path);
    file.write(paid);
    file.clear();
    file.write({ ...paid, reference: "tx-9" });
    file.close();
    const reopened = openStateFile(path);
    expect(reopened.records.map((record) => record.reference)).toEqual(["tx-9"]);
    reopened.close();
  });

  it("ignores a last line cut short by a crash", () => {
    const file = openStateFile(path);
    file.write(paid);
    file.close();
    writeFileSync(path, `${readFileSync(path, "utf8")}{"reference":"tx-2","user_`, { flag: "w" });
    const reopened = openStateFile(path);
    expect(reopened.records).toEqual([paid]);
    reopened.close();
  });

  it("refuses to start from a file corrupted before its last line", () => {
    writeFileSync(path, `not json\n${JSON.stringify({ reference: "tx-1" })}\n`);
    expect(() => openStateFile(path)).toThrow(/line 1/);
  });
});
