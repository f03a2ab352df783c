/**
 * A time-ordered list of (time, value) pairs that forgets entries older than a horizon. Append-only with a head
 * index, so eviction is O(1) amortised and a million events cost no per-event allocation beyond the arrays.
 */
export class TimeWindow {
  private at: number[] = [];
  private val: number[] = [];
  private head = 0;

  constructor(private readonly horizonMs: number) {}

  push(at: number, value = 1): void {
    this.at.push(at);
    this.val.push(value);
    this.evict(at);
  }

  /** Drops entries older than horizon before `now`; only call with a non-decreasing `now`. */
  evict(now: number): void {
    const limit = now - this.horizonMs;
    while (this.head < this.at.length && (this.at[this.head] as number) <= limit) this.head++;
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.val = this.val.slice(this.head);
      this.head = 0;
    }
  }

  /** Count and sum of values with from < at ≤ to, scanning backwards from the newest (windows are short). */
  range(from: number, to: number): { count: number; sum: number } {
    let count = 0;
    let sum = 0;
    for (let i = this.at.length - 1; i >= this.head; i--) {
      const t = this.at[i] as number;
      if (t <= from) break;
      if (t > to) continue;
      count++;
      sum += this.val[i] as number;
    }
    return { count, sum };
  }

  /** Oldest retained time, or undefined. */
  first(): number | undefined {
    return this.head < this.at.length ? this.at[this.head] : undefined;
  }

  get size(): number {
    return this.at.length - this.head;
  }
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
