/**
 * A process's resident set as Linux reports it in /proc/<pid>/status (VmRSS), sampled while a
 * scenario hurts the process, so a report can say how far memory grew and a bound can be checked.
 */
import { readFileSync } from "node:fs";

/** VmRSS in bytes; undefined when the process is gone (or this is not Linux). */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface ResidentSample {
  /** At the start of sampling. */
  beforeBytes: number | undefined;
  /** The largest sample, the first and last included. */
  peakBytes: number | undefined;
}

/** Samples `pid` every `intervalMs` from now until `stop`, which takes a last sample. */
export function sampleResidentSet(pid: number, intervalMs: number): { stop(): ResidentSample } {
  const sample: ResidentSample = { beforeBytes: residentBytes(pid), peakBytes: undefined };
  const take = () => {
    const bytes = residentBytes(pid);
    if (bytes !== undefined) sample.peakBytes = Math.max(sample.peakBytes ?? 0, bytes);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return sample;
    },
  };
}
