/**
 * Reads per minute of one reader, in total and per antenna, over a sliding window of one-second buckets. The
 * supervisor's devices screen shows it: a reader that still says "reading" but reads nothing, or an antenna that
 * reads far less than its neighbours (detuned, covered, cable loose), is seen before the mis-sorts start.
 */
export interface ReadRateView {
  /** Reads per minute over the window (raw reads, not tags: a tag is read many times per second). */
  readsPerMin: number;
  /** Antenna port (1-based, as the reader reports it) → reads per minute. */
  byAntenna: Record<string, number>;
  windowSec: number;
}

export class ReadRateWindow {
  /** Bucket second → antenna → reads. Old buckets are dropped as time moves on, so memory stays bounded. */
  private readonly buckets = new Map<number, Map<number, number>>();

  constructor(private readonly windowSec = 60) {}

  add(antenna: number, atMs: number): void {
    const sec = Math.floor(atMs / 1000);
    let b = this.buckets.get(sec);
    if (!b) {
      b = new Map();
      this.buckets.set(sec, b);
      this.prune(sec);
    }
    b.set(antenna, (b.get(antenna) ?? 0) + 1);
  }

  view(nowMs: number): ReadRateView {
    const now = Math.floor(nowMs / 1000);
    this.prune(now);
    const per = new Map<number, number>();
    for (const [sec, b] of this.buckets) {
      if (sec > now || sec <= now - this.windowSec) continue;
      for (const [a, n] of b) per.set(a, (per.get(a) ?? 0) + n);
    }
    const scale = 60 / this.windowSec;
    const byAntenna: Record<string, number> = {};
    let total = 0;
    for (const [a, n] of [...per].sort((x, y) => x[0] - y[0])) {
      byAntenna[String(a)] = Math.round(n * scale);
      total += n;
    }
    return { readsPerMin: Math.round(total * scale), byAntenna, windowSec: this.windowSec };
  }

  private prune(nowSec: number): void {
    for (const sec of this.buckets.keys()) if (sec <= nowSec - this.windowSec) this.buckets.delete(sec);
  }
}
