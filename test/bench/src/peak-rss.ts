/**
 * Peak resident memory of a service process, from Linux's /proc. VmHWM is the high-water mark
 * of the resident set; writing 5 to clear_refs resets it to the current RSS, which is what lets
 * one long-lived process report a peak per scenario rather than one peak since it started.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { Measurement, ServiceName } from "./measurement.js";

const bytesPerKib = 1024;

/** VmHWM in bytes from the text of /proc/<pid>/status; undefined if the line is absent. */
export function vmHwmBytes(statusText: string): number | undefined {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(statusText);
  return match?.[1] ? Number(match[1]) * bytesPerKib : undefined;
}

export async function readPeakRssBytes(pid: number): Promise<number | undefined> {
  try {
    return vmHwmBytes(await readFile(`/proc/${pid}/status`, "utf8"));
  } catch {
    // The process is gone, or this is not Linux.
    return undefined;
  }
}

/** Returns false when the reset is not allowed here; the peak then covers the process's life. */
export async function resetPeakRss(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

const bytesPerMib = 1024 * 1024;

/** Resets each process's peak RSS, runs the scenario, and attaches each peak in MiB. */
export async function withPeakRss(
  pids: Partial<Record<ServiceName, number>>,
  scenario: () => Promise<Measurement>,
): Promise<Measurement> {
  const entries = Object.entries(pids) as [ServiceName, number][];
  const resets = await Promise.all(entries.map(([, pid]) => resetPeakRss(pid)));
  const measurement = await scenario();
  if (entries.length === 0) return measurement;
  const peakRssMb: Partial<Record<ServiceName, number>> = {};
  for (const [service, pid] of entries) {
    const bytes = await readPeakRssBytes(pid);
    if (bytes !== undefined) peakRssMb[service] = Math.round((bytes / bytesPerMib) * 10) / 10;
  }
  // Without the reset the figure is the peak since the process started: still an upper bound.
  const details = resets.every(Boolean)
    ? measurement.details
    : { ...measurement.details, peakRssSinceStart: 1 };
  return { ...measurement, peakRssMb, details };
}
