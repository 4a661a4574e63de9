/**
 * The ledger on disk, so that a bank killed with SIGKILL still knows after a restart what it
 * paid (otherwise a retry after the restart would pay again, which no real bank does).
 *
 * The file is JSON Lines: one payout record per line, appended synchronously every time a record
 * changes, before the answer is sent; the last line for a reference wins. Appending keeps each
 * change O(1) however large the ledger grows. On open the file is compacted to one line per
 * reference (written to a temporary file, then renamed over, so a crash mid-way loses nothing).
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import type { Journal } from "./payout-book.js";
import { recordFromJson, recordToJson, type PayoutRecord } from "./payout-record.js";

export interface StateFile extends Journal {
  /** The records as they were when the file was opened. */
  readonly records: readonly PayoutRecord[];
  close(): void;
}

export function openStateFile(path: string): StateFile {
  const records = existsSync(path) ? readRecords(path) : [];
  const temporaryPath = `${path}.tmp`;
  writeFileSync(temporaryPath, records.map(serialize).join(""));
  renameSync(temporaryPath, path);
  let fd: number | undefined = openSync(path, "a");
  const openFd = (): number => {
    if (fd === undefined) throw new Error(`state file ${path} is closed`);
    return fd;
  };
  return {
    records,
    write(record) {
      writeSync(openFd(), serialize(record));
    },
    clear() {
      // The file is opened for appending, so later writes start again at offset 0.
      ftruncateSync(openFd());
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function serialize(record: PayoutRecord): string {
  return `${JSON.stringify(recordToJson(record))}\n`;
}

function readRecords(path: string): PayoutRecord[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const byReference = new Map<string, PayoutRecord>();
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    let record: PayoutRecord;
    try {
      record = recordFromJson(JSON.parse(line));
    } catch (err) {
      // Only the last line can be cut short, by a machine crash in the middle of an append; a
      // bad line anywhere else is corruption, and starting with a partial ledger would hide it.
      const isLastLine = lines.slice(index + 1).every((rest) => rest.trim() === "");
      if (isLastLine && !line.endsWith("}")) return;
      throw new Error(`state file ${path}, line ${index + 1}: unreadable record`, { cause: err });
    }
    byReference.set(record.reference, record);
  });
  return [...byReference.values()];
}
