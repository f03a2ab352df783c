/**
 * A reader session: connect, handshake, inventory loop, command/response matching with time-outs, health
 * watchdog, and reconnect with back-off. It owns the reconnect loop because ports do not reliably report their
 * own unplug (BUG-04), and it never throws port errors at its caller: they become classified status events.
 */
import { EventEmitter } from 'node:events';
import { StationError, errorMessage } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { classifyPortError, errorInfo, rfidError } from './errors.js';
import { Framer, type FramerStats } from './framer.js';
import type { ReaderProtocol } from './protocol.js';
import { getProtocol } from './protocols/index.js';
import { createTransport, type Transport, type TransportOptions } from './transport.js';
import type { ProtocolName, ReaderFrame, ReaderStatus, StatusEvent, TagReport } from './types.js';

const log = createLogger('rfid.session');

export interface ReaderSessionOptions {
  id: string;
  protocol: ProtocolName | ReaderProtocol;
  transport: TransportOptions;
  /** Pause between inventory rounds; 0 = back to back. */
  inventoryIntervalMs?: number;
  /** Antenna ports to cycle through (families that select antennas by command). Default [1]. */
  antennas?: number[];
  /** Reply time-out for commands and inventory rounds (BUG-04: 1 s). */
  commandTimeoutMs?: number;
  /** How often to check the device is still enumerated / answering (BUG-04: 2 s). */
  healthIntervalMs?: number;
  /** Reconnect back-off (BUG-06: 1 → 2 → 4 … 30 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /**
   * A partial frame is dropped after the line has been quiet this long (default 100 ms). A UART sends a frame's
   * bytes back to back, so a gap inside a frame means bytes were lost; without this, a round-based reader whose
   * reply lost a byte leaves the parser waiting for a byte that only the next reply would bring (BUG-07).
   */
  frameGapMs?: number;
  /** Output power in dBm, sent after connect when set. */
  powerDbm?: number;
  /** Inject a transport (tests); otherwise built from `transport`. */
  createTransport?: (opts: TransportOptions) => Transport;
}

export interface SessionStats extends FramerStats {
  rounds: number;
  tagReads: number;
  connects: number;
  /** Frames that arrived with no command waiting and no tags in them. */
  unsolicited: number;
}

interface Pending {
  match: (f: ReaderFrame) => boolean;
  resolve: (f: ReaderFrame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

type SessionEvents = {
  tag: [TagReport];
  status: [StatusEvent];
  frame: [ReaderFrame];
};

export class ReaderSession extends EventEmitter<SessionEvents> {
  readonly id: string;
  readonly protocol: ReaderProtocol;
  private readonly opts: ReaderSessionOptions;
  private transport: Transport | null = null;
  private framer: Framer | null = null;
  private pending: Pending | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lost: ((e: Error) => void) | null = null;
  private round = 0;
  /** Bytes received on this session; a reader that sent anything during a round is alive, even if garbled. */
  private bytesIn = 0;
  private lastDataAt = 0;
  private gapTimer: NodeJS.Timeout | null = null;
  private queue: TagReport[] = [];
  private drainScheduled = false;
  private _status: ReaderStatus = 'disconnected';
  private lastError: StationError | undefined;
  readonly stats: SessionStats = { frames: 0, rxErrors: 0, droppedBytes: 0, rounds: 0, tagReads: 0, connects: 0, unsolicited: 0 };
  firmware: string | undefined;

  constructor(opts: ReaderSessionOptions) {
    super();
    this.opts = opts;
    this.id = opts.id;
    this.protocol = typeof opts.protocol === 'string' ? getProtocol(opts.protocol) : opts.protocol;
  }

  get status(): ReaderStatus {
    return this._status;
  }

  /** Starts the supervision loop; resolves after the first connection attempt, whatever its outcome. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let first: () => void = () => undefined;
    const attempted = new Promise<void>((r) => (first = r));
    this.loop = this.supervise(() => first());
    await attempted;
  }

  /** Stops reading and closes the port; awaited so the next start opens the port at first try (BUG-06). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    this.lost?.(new Error('stopped'));
    await this.loop;
    this.loop = null;
    this.setStatus('disconnected');
  }

  /** Send a command and wait for the matching reply. */
  async request(bytes: Uint8Array, timeoutMs = this.opts.commandTimeoutMs ?? 1000, match?: (f: ReaderFrame) => boolean): Promise<ReaderFrame> {
    const t = this.transport;
    if (!t) throw rfidError('PORT_GONE', { reader: this.id });
    if (this.pending) throw new StationError('READER_BUSY', 'Another reader command is still waiting for its answer.');
    const req = this.protocol.decode(bytes, 'host');
    if (!req.ok) throw new StationError('BAD_COMMAND', `Cannot send a malformed reader command (${req.error.code}).`);
    const matcher = match ?? ((f: ReaderFrame) => this.protocol.matches(req.frame, f));
    const reply = new Promise<ReaderFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(rfidError('READER_TIMEOUT', { reader: this.id, command: req.frame.command }));
      }, timeoutMs);
      this.pending = { match: matcher, resolve, reject, timer };
    });
    // The reply may time out while the write itself is still hanging (BUG-04); it is awaited below.
    reply.catch(() => undefined);
    try {
      await t.write(bytes);
    } catch (e) {
      this.failPending(e instanceof Error ? e : new Error(String(e)));
    }
    return await reply;
  }

  private failPending(e: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(e);
  }

  private setStatus(status: ReaderStatus, error?: StationError): void {
    if (status === this._status && error?.code === this.lastError?.code) return;
    this._status = status;
    this.lastError = error;
    const ev: StatusEvent = { readerId: this.id, status, ...(error ? { error: errorInfo(error) } : {}) };
    if (error) log.warn({ reader: this.id, status, code: error.code }, error.message);
    else log.info({ reader: this.id, status }, 'reader status');
    this.emit('status', ev);
  }

  private async supervise(firstAttempt: () => void): Promise<void> {
    const initial = this.opts.backoff?.initialMs ?? 1000;
    const max = this.opts.backoff?.maxMs ?? 30_000;
    let delay = initial;
    while (this.running) {
      this.setStatus('connecting');
      let failure: StationError;
      let connectedAt = 0;
      try {
        await this.connect();
        connectedAt = Date.now();
        firstAttempt();
        failure = await this.runConnected();
      } catch (e) {
        failure = classifyPortError(e, { reader: this.id });
      }
      await this.disconnect();
      if (!this.running) break;
      // A link that stayed up a while is a fresh problem: restart the back-off from the bottom.
      if (connectedAt > 0 && Date.now() - connectedAt > 10_000) delay = initial;
      const status: ReaderStatus = failure.code === 'PORT_BUSY' || failure.code === 'PORT_PERMISSION' ? 'faulted' : 'disconnected';
      this.setStatus(status, failure);
      firstAttempt();
      await this.sleep(delay);
      delay = Math.min(max, delay * 2);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async connect(): Promise<void> {
    const t = (this.opts.createTransport ?? createTransport)(this.opts.transport);
    this.transport = t;
    const framer = new Framer(this.protocol.spec('reader'), (bytes) => this.onFrameBytes(bytes));
    this.framer = framer;
    t.events.on('data', (chunk) => this.onData(framer, chunk));
    await t.open();
    this.stats.connects++;
    // Handshake: a reader that answers "version" speaks our protocol at our baud rate.
    const v = await this.request(this.protocol.commands.version());
    if (v.firmware !== undefined) this.firmware = v.firmware;
    this.setStatus('connected');
    if (this.opts.powerDbm !== undefined) {
      const cmd = this.protocol.commands.setPower(this.opts.powerDbm);
      if (cmd) await this.request(cmd);
    }
  }

  private onData(framer: Framer, chunk: Buffer): void {
    this.bytesIn += chunk.length;
    framer.push(chunk);
    if (framer.pending === 0) return;
    this.lastDataAt = Date.now();
    // One timer per stall, not one per chunk: it re-arms itself for the rest of the gap.
    if (!this.gapTimer) this.armGap(framer, this.opts.frameGapMs ?? 100);
  }

  private armGap(framer: Framer, ms: number): void {
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (this.framer !== framer || framer.pending === 0) return;
      const gap = this.opts.frameGapMs ?? 100;
      const idle = Date.now() - this.lastDataAt;
      if (idle < gap) {
        this.armGap(framer, gap - idle);
        return;
      }
      // The line is quiet, so whatever is held is stale; each flush drops at least one byte and rescans the rest.
      while (framer.pending > 0) framer.flushStale();
    }, ms);
  }

  private async disconnect(): Promise<void> {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    this.failPending(rfidError('PORT_GONE', { reader: this.id }));
    const t = this.transport;
    this.transport = null;
    if (this.framer) this.syncStats(this.framer);
    this.framer = null;
    if (t) {
      t.events.removeAllListeners();
      await t.close();
    }
  }

  private syncStats(f: Framer): void {
    this.stats.frames += f.stats.frames;
    this.stats.rxErrors += f.stats.rxErrors;
    this.stats.droppedBytes += f.stats.droppedBytes;
    f.stats.frames = 0;
    f.stats.rxErrors = 0;
    f.stats.droppedBytes = 0;
  }

  /** Runs inventory until the link is lost; returns why. */
  private async runConnected(): Promise<StationError> {
    const t = this.transport!;
    const lostP = new Promise<Error>((resolve) => {
      this.lost = resolve;
      t.events.once('lost', resolve);
    });
    let lostErr: Error | null = null;
    void lostP.then((e) => {
      lostErr = e;
      this.failPending(e);
      this.wake?.();
    });
    const health = setInterval(() => {
      void this.checkPresence(t);
      if (this.framer) {
        this.syncStats(this.framer);
        // A partial frame that has sat for a whole health period will never complete.
        if (this.framer.pending > 0 && !this.pending) this.framer.flushStale();
      }
    }, this.opts.healthIntervalMs ?? 2000);
    const plan = this.protocol.commands.inventory({ antennas: this.opts.antennas ?? [1] });
    const antennas = this.opts.antennas ?? [1];
    try {
      if (plan.mode === 'continuous') {
        // Any frame confirms the stream started (BB…7E modules send notices, not an acknowledgement).
        await this.request(plan.command, undefined, () => true);
        this.setStatus('reading');
        await this.continuousWatch(plan.command, () => lostErr);
      } else {
        let i = 0;
        while (this.running && !lostErr) {
          const ant = antennas[i++ % antennas.length]!;
          if (antennas.length > 1 || i === 1) {
            const sel = this.protocol.commands.setAntenna(ant);
            if (sel) await this.request(sel);
          }
          this.round++;
          const bytesBefore = this.bytesIn;
          try {
            const end = await this.request(plan.command, this.opts.commandTimeoutMs ?? 1000, plan.isRoundEnd);
            if (end.kind === 'error' && end.statusName === 'antenna_missing_error') log.warn({ reader: this.id, antenna: ant }, 'antenna not connected');
          } catch (e) {
            // A reader that answered but whose end-of-round frame was lost or garbled is alive (the broken frame
            // is counted in rxErrors); one that sent nothing at all is not.
            if (!(e instanceof StationError && e.code === 'READER_TIMEOUT' && this.bytesIn > bytesBefore)) throw e;
          }
          this.stats.rounds++;
          this.setStatus('reading');
          const pause = this.opts.inventoryIntervalMs ?? 0;
          await (pause > 0 ? this.sleep(pause) : new Promise<void>((r) => setImmediate(r)));
        }
      }
      if (lostErr) return classifyPortError(lostErr, { reader: this.id });
      return rfidError('PORT_GONE', { reader: this.id, reason: 'stopped' });
    } catch (e) {
      const err = classifyPortError(lostErr ?? e, { reader: this.id });
      // No answer from a port that has also left the USB list: say "unplugged", not "not answering".
      if (err.code === 'READER_TIMEOUT' && (await t.stillPresent?.().catch(() => undefined)) === false) {
        return rfidError('PORT_GONE', { reader: this.id });
      }
      return err;
    } finally {
      clearInterval(health);
      this.lost = null;
      const stop = plan.mode === 'continuous' ? this.protocol.commands.stop() : null;
      if (stop && this.transport && !lostErr) await this.transport.write(stop).catch(() => undefined);
    }
  }

  private framesSeen(): number {
    return this.stats.frames + (this.framer?.stats.frames ?? 0);
  }

  /** Continuous families: the reader streams; a quiet line gets the start command again as a ping. */
  private async continuousWatch(start: Uint8Array, lost: () => Error | null): Promise<void> {
    const period = this.opts.healthIntervalMs ?? 2000;
    while (this.running && !lost()) {
      const before = this.framesSeen();
      await this.sleep(period);
      if (!this.running || lost()) return;
      if (this.framesSeen() === before) await this.request(start, undefined, () => true);
    }
  }

  private async checkPresence(t: Transport): Promise<void> {
    if (!t.stillPresent) return;
    try {
      const present = await t.stillPresent();
      if (present === false) t.events.emit('lost', rfidError('PORT_GONE', { reader: this.id, reason: 'no longer listed' }));
    } catch (e) {
      log.debug({ err: errorMessage(e) }, 'port list failed');
    }
  }

  private onFrameBytes(bytes: Uint8Array): void {
    const r = this.protocol.decode(bytes, 'reader');
    if (!r.ok) {
      this.stats.rxErrors++;
      return;
    }
    const f = r.frame;
    if (f.tags.length > 0) {
      const at = Date.now();
      for (const tag of f.tags) {
        const rep: TagReport = { epc: tag.epc, antenna: tag.antenna ?? 1, readerId: this.id, at, round: this.round };
        if (tag.pc !== undefined) rep.pc = tag.pc;
        if (tag.rssiRaw !== undefined) rep.rssiRaw = tag.rssiRaw;
        if (tag.rssiDbm !== undefined) rep.rssiDbm = tag.rssiDbm;
        if (tag.tid !== undefined) rep.tid = tag.tid;
        this.queue.push(rep);
      }
      this.stats.tagReads += f.tags.length;
      this.scheduleDrain();
    }
    const p = this.pending;
    if (p && p.match(f)) {
      this.pending = null;
      clearTimeout(p.timer);
      p.resolve(f);
    } else if (f.tags.length === 0) this.stats.unsolicited++;
    if (this.listenerCount('frame') > 0) this.emit('frame', f);
  }

  // The data handler only enqueues; listeners run later so a slow consumer never stalls the port read (BUG-07).
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      const batch = this.queue;
      this.queue = [];
      for (const rep of batch) {
        try {
          this.emit('tag', rep);
        } catch (e) {
          log.error({ err: e }, 'tag listener failed');
        }
      }
    });
  }
}
