/**
 * The pipeline load shape (load-protocol.ts): keeps `inPipelineMax` withdrawals unfinished end to
 * end. Each poll counts the withdrawals the system holds (committed, not yet completed) and adds
 * the calls still unanswered, which may not have committed yet; the sum is an upper bound on
 * what is in the pipeline, so the loop never puts more than `inPipelineMax` in it.
 */
export interface PipelineLoopDeps {
  /** One Withdraw call. */
  call(): Promise<unknown>;
  /** Withdrawals accepted since the load began and not finished yet. */
  countUnfinished(): Promise<number>;
  inPipelineMax: number;
  pollIntervalMs: number;
  /** performance.now() instant after which nothing more is sent. */
  endMs: number;
  onSent(sentMs: number): void;
  onSettled(sentMs: number, outcome: { ok: true } | { ok: false; err: unknown }): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs until `endMs`, then waits for the calls still unanswered. */
export async function runPipelineLoop(deps: PipelineLoopDeps): Promise<void> {
  let unanswered = 0;
  const calls = new Set<Promise<void>>();
  while (performance.now() < deps.endMs) {
    const unfinished = await deps.countUnfinished();
    // The count took time: the window may have closed while it ran.
    if (performance.now() >= deps.endMs) break;
    for (let room = deps.inPipelineMax - unfinished - unanswered; room > 0; room--) {
      const sentMs = performance.now();
      unanswered++;
      deps.onSent(sentMs);
      const call: Promise<void> = deps
        .call()
        .then(
          () => deps.onSettled(sentMs, { ok: true }),
          (err: unknown) => deps.onSettled(sentMs, { ok: false, err }),
        )
        .finally(() => {
          unanswered--;
          calls.delete(call);
        });
      calls.add(call);
    }
    await sleep(deps.pollIntervalMs);
  }
  await Promise.all(calls);
}
