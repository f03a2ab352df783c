import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { StationDb } from './db.js';
import { lastSeq, purgeConfirmed, settleConfirmed } from './delivery.js';
import { backupStationDb, checkpoint, listBackups } from './maintenance.js';

const log = createLogger('store.upkeep');

export interface UpkeepOptions {
  /** where online backups go (default `<db folder>/backups`) */
  backupDir?: string;
  /** take a backup this often (default 6 h; 0 = never) */
  backupEveryMs?: number;
  /** backups kept, newest first (default 7) */
  keepBackups?: number;
  /** delete outbox rows HQ confirmed longer ago than this (default 7 days) */
  retentionMs?: number;
  /** no new outbox row for this long counts as idle (default 5 s) */
  idleMs?: number;
  /** how often to look (default 5 s) */
  tickMs?: number;
  /** fold the WAL to zero (TRUNCATE) when idle and the -wal file is bigger than this (default 16 MiB) */
  walTruncateBytes?: number;
}

export interface UpkeepRound {
  idle: boolean;
  settled: number;
  purged: number;
  checkpoint?: 'PASSIVE' | 'TRUNCATE';
  backup?: string;
}

/**
 * The store's housekeeping while the station runs, so a station left alone for months stays small and
 * restorable: confirmed outbox rows are stamped and, after `retentionMs`, deleted; the WAL is checkpointed when
 * nobody is writing (journal_size_limit then caps the file); an online backup is taken every `backupEveryMs`
 * and old ones pruned. Constructor does nothing; start()/stop().
 */
export class StoreUpkeep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<UpkeepRound> | undefined;
  private seenSeq = -1;
  private seenAt = 0;
  private lastBackupAt: number;
  private readonly o: Required<UpkeepOptions>;

  constructor(
    private readonly sdb: StationDb,
    opts: UpkeepOptions = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.o = {
      backupDir: opts.backupDir ?? join(dirname(sdb.path), 'backups'),
      backupEveryMs: opts.backupEveryMs ?? 6 * 3600_000,
      keepBackups: Math.max(1, opts.keepBackups ?? 7),
      retentionMs: opts.retentionMs ?? 7 * 24 * 3600_000,
      idleMs: opts.idleMs ?? 5000,
      tickMs: opts.tickMs ?? 5000,
      walTruncateBytes: opts.walTruncateBytes ?? 16 * 1024 * 1024,
    };
    // The newest backup on disk counts: a restart must not take a fresh backup every time.
    const newest = listBackups(this.o.backupDir)[0];
    this.lastBackupAt = newest ? statSync(newest).mtimeMs : 0;
  }

  start(): void {
    if (this.timer || this.sdb.path === ':memory:') return;
    this.timer = setInterval(() => void this.round(), this.o.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // A backup in progress finishes (its .partial file would otherwise be left behind) before the db is closed.
    await this.running?.catch(() => undefined);
  }

  /** One look; never throws (housekeeping must not take the station down), failures are logged. */
  async round(): Promise<UpkeepRound> {
    if (this.running) return await this.running;
    this.running = this.doRound().finally(() => {
      this.running = undefined;
    });
    return await this.running;
  }

  private async doRound(): Promise<UpkeepRound> {
    const now = this.clock();
    const out: UpkeepRound = { idle: false, settled: 0, purged: 0 };
    if (!this.sdb.db.open) return out;
    try {
      const seq = lastSeq(this.sdb);
      if (seq !== this.seenSeq) {
        this.seenSeq = seq;
        this.seenAt = now;
      }
      out.idle = now - this.seenAt >= this.o.idleMs;
      if (!out.idle) return out;
      // Small chunks, one short write each: a scan arriving meanwhile waits milliseconds, not for the whole pass.
      for (let n = settleConfirmed(this.sdb, 2000, now); n > 0 && out.settled < 50_000; n = settleConfirmed(this.sdb, 2000, now)) out.settled += n;
      out.purged = purgeConfirmed(this.sdb, this.o.retentionMs, now);
      const wal = `${this.sdb.path}-wal`;
      const big = existsSync(wal) && statSync(wal).size > this.o.walTruncateBytes;
      const r = checkpoint(this.sdb, big ? 'TRUNCATE' : 'PASSIVE');
      out.checkpoint = big && r.busy === 0 ? 'TRUNCATE' : 'PASSIVE';
      if (this.o.backupEveryMs > 0 && now - this.lastBackupAt >= this.o.backupEveryMs) {
        const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
        const dest = join(this.o.backupDir, `${basename(this.sdb.path, '.db')}-${stamp}.db`);
        await backupStationDb(this.sdb, dest);
        this.lastBackupAt = now;
        out.backup = dest;
        for (const old of listBackups(this.o.backupDir).slice(this.o.keepBackups)) rmSync(old, { force: true });
      }
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'store housekeeping failed; trying again later');
    }
    return out;
  }
}
