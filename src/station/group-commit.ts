/**
 * Group commit for actions that arrive in the same event-loop turn (an RFID read burst, concurrent HTTP scans):
 * they run in one transaction, each in its own savepoint, so one disk sync covers them all. Each caller's promise
 * settles only after the transaction committed (or failed, then every action of the batch is rejected).
 */
export class GroupCommit<R> {
  private readonly queue: Array<{ run: () => R; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly batch: <T>(fn: () => T) => T,
    private readonly maxBatch = 512,
  ) {}

  enqueue(run: () => R): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      this.schedule();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const jobs = this.queue.splice(0, this.maxBatch);
    let results: Array<{ ok: true; r: R } | { ok: false; e: unknown }> = [];
    try {
      results = this.batch(() =>
        jobs.map((j) => {
          try {
            return { ok: true as const, r: j.run() };
          } catch (e) {
            // A failing action has rolled back its own savepoint; the others still commit.
            return { ok: false as const, e };
          }
        }),
      );
    } catch (e) {
      for (const j of jobs) j.reject(e);
    }
    results.forEach((x, i) => {
      const j = jobs[i];
      if (!j) return;
      if (x.ok) j.resolve(x.r);
      else j.reject(x.e);
    });
    if (this.queue.length > 0) this.schedule();
  }
}
