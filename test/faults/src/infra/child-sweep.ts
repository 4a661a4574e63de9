/**
 * The last resort of an exiting suite: SIGKILL every direct child still running. A service that
 * was being restarted when the suite was interrupted is not in any list yet (startService hands
 * its process over only once it is ready), so the sweep asks the kernel instead. Linux only; a
 * no-op elsewhere.
 */
import { readdirSync, readFileSync } from "node:fs";

export function killChildProcessesNow(): void {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  for (const pid of entries) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid) process.kill(Number(pid), "SIGKILL");
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
}
