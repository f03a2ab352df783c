/**
 * Streaming deframer shared by every binary family. A family describes its framing with `FrameSpec`
 * (where a frame may start, how long it is, whether its checksum holds); this class does buffering and resync,
 * so frame boundaries never depend on how the bytes were chunked (BUG-01, BUG-02) and a lost byte costs exactly
 * one counted frame (BUG-07).
 */

export interface FrameSpec {
  /** Shortest possible frame; nothing is attempted below this. */
  readonly minLength: number;
  /** Longest possible frame; a length field beyond it is a corrupt length. */
  readonly maxLength: number;
  /** True if a frame may start at buf[i] (header byte, or a plausible length byte for header-less families). */
  canStart(buf: Uint8Array, i: number): boolean;
  /**
   * Total frame length for a frame starting at `start`, given `avail` bytes from there; 0 = need more bytes,
   * -1 = this is not a frame start (bad length).
   */
  frameLength(buf: Uint8Array, start: number, avail: number): number;
  /** Checksum and trailer check of the complete frame [start, start+len). */
  verify(buf: Uint8Array, start: number, len: number): boolean;
}

export interface FramerStats {
  frames: number;
  /** Corruption events: one per broken frame, not per byte skipped while hunting for the next header. */
  rxErrors: number;
  /** Bytes thrown away while resynchronising. */
  droppedBytes: number;
}

export class Framer {
  private buf: Uint8Array = new Uint8Array(0);
  private len = 0;
  private hunting = false;
  readonly stats: FramerStats = { frames: 0, rxErrors: 0, droppedBytes: 0 };

  constructor(
    private readonly spec: FrameSpec,
    private readonly onFrame: (frame: Uint8Array) => void,
  ) {}

  /** Bytes held back waiting for the rest of a frame. */
  get pending(): number {
    return this.len;
  }

  push(chunk: Uint8Array): void {
    this.append(chunk);
    const { spec } = this;
    const buf = this.buf;
    let pos = 0;
    const end = this.len;
    while (end - pos >= 1) {
      if (!spec.canStart(buf, pos)) {
        this.skip(1);
        pos++;
        continue;
      }
      const avail = end - pos;
      const flen = avail < spec.minLength ? 0 : spec.frameLength(buf, pos, avail);
      if (flen === 0) break;
      if (flen < 0 || flen > spec.maxLength || flen < spec.minLength) {
        this.corrupt();
        pos++;
        continue;
      }
      if (flen > avail) {
        // While resynchronising, a garbage byte may claim a long frame and stall everything behind it; if a
        // complete, valid frame starts further on, the claim was false.
        const next = this.hunting ? this.findValid(buf, pos + 1, end) : -1;
        if (next < 0) break;
        this.skip(next - pos);
        pos = next;
        continue;
      }
      if (!spec.verify(buf, pos, flen)) {
        this.corrupt();
        pos++;
        continue;
      }
      this.hunting = false;
      this.stats.frames++;
      // Copy out: the buffer is reused, and listeners may keep the frame.
      this.onFrame(buf.slice(pos, pos + flen));
      pos += flen;
    }
    // Keep the unconsumed tail at the front of the buffer.
    if (pos > 0) {
      buf.copyWithin(0, pos, end);
      this.len = end - pos;
    }
  }

  private findValid(buf: Uint8Array, from: number, end: number): number {
    const { spec } = this;
    for (let q = from; q + spec.minLength <= end; q++) {
      if (!spec.canStart(buf, q)) continue;
      const fl = spec.frameLength(buf, q, end - q);
      if (fl >= spec.minLength && fl <= spec.maxLength && q + fl <= end && spec.verify(buf, q, fl)) return q;
    }
    return -1;
  }

  /**
   * Drop a stalled partial frame (e.g. a garbage byte that looked like a length of 200 and then the line went
   * quiet). Sessions call this after an idle gap; it rescans the held bytes from the next position.
   */
  flushStale(): void {
    if (this.len === 0) return;
    const rest = this.buf.slice(1, this.len);
    this.corrupt();
    this.len = 0;
    this.push(rest);
  }

  reset(): void {
    this.len = 0;
    this.hunting = false;
  }

  private corrupt(): void {
    if (!this.hunting) this.stats.rxErrors++;
    this.hunting = true;
    this.stats.droppedBytes++;
  }

  private skip(n: number): void {
    this.stats.droppedBytes += n;
  }

  private append(chunk: Uint8Array): void {
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2, 1024));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len = need;
  }
}
