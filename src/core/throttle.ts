/**
 * Counts failed sign-ins per key in a sliding window: the web sign-in (src/server/auth: client address, and client
 * address + user) and the badge PINs of the operator screen (src/station/operators.ts: per badge). A 4-digit PIN
 * falls to 10,000 guesses; five per quarter hour makes that take weeks and shows up in the log long before.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Milliseconds until the key may try again, or 0 when it may try now. */
  retryAfterMs(keys: string[]): number {
    const t = this.now();
    let wait = 0;
    for (const k of keys) {
      const recent = this.recent(k, t);
      if (recent.length >= this.max) wait = Math.max(wait, (recent[0] ?? t) + this.windowMs - t);
    }
    return wait;
  }

  fail(keys: string[]): void {
    const t = this.now();
    for (const k of keys) this.failures.set(k, [...this.recent(k, t), t]);
    if (this.failures.size > 10_000) this.prune(t);
  }

  succeed(keys: string[]): void {
    for (const k of keys) this.failures.delete(k);
  }

  /** The keys that are refused now, with when their lock began (the failure that reached the limit) and ends. */
  locked(): Array<{ key: string; since: number; until: number }> {
    const t = this.now();
    const out: Array<{ key: string; since: number; until: number }> = [];
    for (const [k] of this.failures) {
      const recent = this.recent(k, t);
      if (recent.length >= this.max) out.push({ key: k, since: recent[this.max - 1] ?? t, until: (recent[0] ?? t) + this.windowMs });
    }
    return out;
  }

  private recent(k: string, t: number): number[] {
    return (this.failures.get(k) ?? []).filter((x) => t - x < this.windowMs);
  }

  private prune(t: number): void {
    for (const [k] of this.failures) if (this.recent(k, t).length === 0) this.failures.delete(k);
  }
}
