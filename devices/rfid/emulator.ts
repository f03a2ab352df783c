/**
 * A reader emulator that answers host commands like the real family does, using the same codec, with scriptable
 * tags per antenna and injectable line faults. It talks to one or more "sinks" (a mock port, a pty, TCP clients).
 */
import { EventEmitter } from 'node:events';
import { Framer } from './framer.js';
import type { EmulatedField, EmulatedTag, ReaderProtocol } from './protocol.js';
import { getProtocol } from './protocols/index.js';
import type { ProtocolName } from './types.js';

export interface LineFaults {
  /** Write every frame in random pieces (1..n bytes) instead of whole. */
  splitFrames?: boolean;
  /** Delete one byte inside every n-th frame (a driver overrun). */
  dropByteEveryNFrames?: number;
  /** Insert random garbage before every n-th frame. */
  garbageEveryNFrames?: number;
  /** Answer nothing (a reader that hung). */
  silent?: boolean;
}

export interface ReaderEmulatorOptions {
  protocol: ProtocolName | ReaderProtocol;
  tags?: EmulatedTag[];
  antennas?: number[];
  firmware?: string;
  address?: number;
  faults?: LineFaults;
  /** Continuous families: period of one inventory cycle. */
  cycleMs?: number;
  /** Deterministic fault placement in tests. */
  seed?: number;
}

export type Sink = (bytes: Uint8Array) => void;

export class ReaderEmulator extends EventEmitter<{ command: [number | string] }> {
  readonly protocol: ReaderProtocol;
  readonly field: EmulatedField;
  faults: LineFaults;
  private readonly sinks = new Map<Sink, Framer>();
  private frameNo = 0;
  private rng: number;
  private cycleTimer: NodeJS.Timeout | null = null;
  private readonly cycleMs: number;
  /** Frames written, for tests and benchmarks. */
  framesOut = 0;
  commandsIn = 0;

  constructor(opts: ReaderEmulatorOptions) {
    super();
    this.protocol = typeof opts.protocol === 'string' ? getProtocol(opts.protocol) : opts.protocol;
    this.field = {
      tags: [...(opts.tags ?? [])],
      antennas: opts.antennas ?? [1, 2, 3, 4],
      currentAntenna: 1,
      firmware: opts.firmware ?? '1.9',
      address: opts.address ?? 1,
      powerDbm: 30,
      running: false,
    };
    this.faults = { ...opts.faults };
    this.rng = opts.seed ?? 0x2f6b1d;
    this.cycleMs = opts.cycleMs ?? 20;
  }

  setTags(tags: EmulatedTag[]): void {
    this.field.tags = tags.map((t) => ({ ...t, epc: t.epc.toUpperCase() }));
  }

  addTag(tag: EmulatedTag): void {
    this.removeTag(tag.epc, tag.tid);
    this.field.tags.push({ ...tag, epc: tag.epc.toUpperCase() });
  }

  removeTag(epc: string, tid?: string): void {
    const e = epc.toUpperCase();
    this.field.tags = this.field.tags.filter((t) => !(t.epc === e && (tid === undefined || t.tid === tid)));
  }

  get tags(): readonly EmulatedTag[] {
    return this.field.tags;
  }

  /** Connect a byte sink (the far end of a port or socket); returns the function that feeds host bytes in. */
  attach(sink: Sink): (bytes: Uint8Array) => void {
    const framer = new Framer(this.protocol.spec('host'), (frame) => this.onCommand(frame, sink));
    this.sinks.set(sink, framer);
    return (bytes) => framer.push(bytes);
  }

  detach(sink: Sink): void {
    this.sinks.delete(sink);
    if (this.sinks.size === 0) this.stopCycle();
  }

  /** Detach everything (ends continuous streaming). */
  close(): void {
    this.sinks.clear();
    this.stopCycle();
  }

  private onCommand(frame: Uint8Array, sink: Sink): void {
    const r = this.protocol.decode(frame, 'host');
    if (!r.ok) return;
    this.commandsIn++;
    this.emit('command', r.frame.command);
    const wasRunning = this.field.running;
    const replies = this.protocol.reader.respond(r.frame, this.field);
    this.write(sink, replies);
    if (this.field.running && !wasRunning) this.startCycle();
    if (!this.field.running && wasRunning) this.stopCycle();
  }

  private startCycle(): void {
    const cycle = this.protocol.reader.cycle;
    if (!cycle || this.cycleTimer) return;
    this.cycleTimer = setInterval(() => {
      const frames = cycle(this.field);
      for (const sink of this.sinks.keys()) this.write(sink, frames);
    }, this.cycleMs);
  }

  private stopCycle(): void {
    if (this.cycleTimer) clearInterval(this.cycleTimer);
    this.cycleTimer = null;
    this.field.running = false;
  }

  private random(): number {
    // xorshift32: reproducible faults without a dependency.
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng / 0x100000000;
  }

  /** Apply the line faults and hand the bytes to the sink. */
  write(sink: Sink, frames: Uint8Array[]): void {
    const f = this.faults;
    if (f.silent) return;
    for (let frame of frames) {
      this.frameNo++;
      this.framesOut++;
      if (f.garbageEveryNFrames && this.frameNo % f.garbageEveryNFrames === 0) {
        const g = new Uint8Array(1 + Math.floor(this.random() * 8)).map(() => Math.floor(this.random() * 256));
        sink(g);
      }
      if (f.dropByteEveryNFrames && this.frameNo % f.dropByteEveryNFrames === 0 && frame.length > 2) {
        const at = 1 + Math.floor(this.random() * (frame.length - 2));
        const cut = new Uint8Array(frame.length - 1);
        cut.set(frame.subarray(0, at));
        cut.set(frame.subarray(at + 1), at);
        frame = cut;
      }
      if (f.splitFrames) {
        let i = 0;
        while (i < frame.length) {
          const n = 1 + Math.floor(this.random() * Math.max(1, frame.length - i));
          sink(frame.subarray(i, i + n));
          i += n;
        }
      } else sink(frame);
    }
  }

  /** Push frames unprompted (e.g. a burst of tag reports for a benchmark). */
  broadcast(frames: Uint8Array[]): void {
    for (const sink of this.sinks.keys()) this.write(sink, frames);
  }
}
