import { describe, expect, it } from "vitest";
import { readPeakRssBytes, vmHwmBytes } from "./peak-rss.js";

describe("peak RSS", () => {
  it("reads VmHWM from /proc/<pid>/status in bytes", () => {
    expect(
      vmHwmBytes("Name:\tnode\nVmPeak:\t 1200 kB\nVmHWM:\t  187272 kB\nVmRSS:\t 150000 kB\n"),
    ).toBe(187272 * 1024);
    expect(vmHwmBytes("Name:\tnode\n")).toBeUndefined();
  });

  it.runIf(process.platform === "linux")("reads this process's own peak", async () => {
    expect(await readPeakRssBytes(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
  });
});
