/**
 * BUG-52, "storage busy": another connection (an export, a backup, a second station process) holds the write lock of
 * the station database. better-sqlite3 is synchronous, so SQLite's own busy timeout and any sleep between attempts
 * freeze the whole process: no /api/health, no MQTT, no other screen. A connection set up with `useAsyncBusyRetry`
 * therefore waits briefly per attempt only (`attemptMs`), and callers whose path is already asynchronous try again
 * with `retryWhileBusy`: between attempts the event loop serves everyone else.
 *
 * The field case's schedule: a write keeps waiting for the lock for `waitMs` (the timeout), then retries 3 times with
 * back-off, then reports STORAGE_BUSY; nothing half-written, the client keeps the scan as a draft.
 */
import { StationError } from './errors.js';
import { createLogger } from './logger.js';

const log = createLogger('store.busy');

export const STORAGE_BUSY_TEXT = {
  en: 'The station could not save this right now: another program is using its database. Nothing was stored; the scan is kept on screen, try again in a moment.',
  'zh-CN': '工作站暂时无法保存：另一个程序正在使用数据库。尚未保存任何内容；扫描已保留在屏幕上，请稍后重试。',
} as const;

export const STORAGE_BUSY_HINT =
  'Another program (an export, a backup or a second station process) is holding the station database. Wait for it to finish and send again; if it keeps happening, stop that program.';

/** STORAGE_BUSY: still busy after the wait and the retries; nothing of the write was stored. */
export class StorageBusyError extends StationError {
  constructor(cause?: unknown) {
    super('STORAGE_BUSY', STORAGE_BUSY_TEXT.en, { hint: STORAGE_BUSY_HINT, ...(cause === undefined ? {} : { cause }) });
  }
}

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, _RECOVERY, _TIMEOUT): another connection holds a lock. */
export function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** A busy database, raw from SQLite or already said as STORAGE_BUSY. */
export function isBusyError(e: unknown): boolean {
  return isSqliteBusy(e) || (e instanceof StationError && e.code === 'STORAGE_BUSY');
}

export interface BusyPolicy {
  /** SQLite's own busy timeout per attempt, ms: the longest one attempt blocks the event loop */
  attemptMs: number;
  /** how long a write keeps trying to get the lock before the retries, ms (the field case's "timeout") */
  waitMs: number;
  /** pause between attempts while waiting, ms (asynchronous) */
  pollMs: number;
  /** attempts after `waitMs`, with back-off */
  retries: number;
  /** the first retry's back-off, doubled for each further one, ms */
  backoffMs: number;
}

/**
 * 5 s of waiting (better-sqlite3's default timeout, which the station used before), then 3 retries 0.2 / 0.4 / 0.8 s
 * apart: STORAGE_BUSY after ~6.6 s, well inside the screens' 8 s request timeout, so the screen gets the answer (and
 * keeps the draft) rather than "station not answering". One attempt blocks at most 50 ms.
 */
export const DEFAULT_BUSY_POLICY: Readonly<BusyPolicy> = Object.freeze({ attemptMs: 50, waitMs: 5000, pollMs: 100, retries: 3, backoffMs: 200 });

/** The waits of one write: the pause before its next attempt, or undefined when it should give up. */
export class BusyBackoff {
  private readonly start = Date.now();
  private retried = 0;
  constructor(private readonly p: Readonly<BusyPolicy> = DEFAULT_BUSY_POLICY) {}

  next(): number | undefined {
    const left = this.p.waitMs - (Date.now() - this.start);
    if (left > 0) return Math.min(this.p.pollMs, left);
    if (this.retried >= this.p.retries) return undefined;
    return this.p.backoffMs * 2 ** this.retried++;
  }
}

interface BusyState {
  policy: Readonly<BusyPolicy>;
  /** writes waiting for another connection's lock right now */
  waiting: number;
  since: number | undefined;
}

/** Per connection (better-sqlite3 Database object, or anything else that names one). */
const states = new WeakMap<object, BusyState>();

function stateOf(db: object): BusyState {
  let s = states.get(db);
  if (!s) states.set(db, (s = { policy: DEFAULT_BUSY_POLICY, waiting: 0, since: undefined }));
  return s;
}

/**
 * Sets a connection up for asynchronous retries: SQLite waits at most `attemptMs` per attempt. Every synchronous
 * writer on this connection then gives up after that long too (the outbox drain, upkeep and the downlink handle a
 * failed write and try again later): none of them may hold the event loop for seconds either.
 */
export function useAsyncBusyRetry(db: { pragma(source: string): unknown }, policy: Partial<BusyPolicy> = {}): Readonly<BusyPolicy> {
  const s = stateOf(db);
  s.policy = Object.freeze({ ...DEFAULT_BUSY_POLICY, ...policy });
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(s.policy.attemptMs))}`);
  return s.policy;
}

export function busyPolicyOf(db: object): Readonly<BusyPolicy> {
  return stateOf(db).policy;
}

/** Writes on this connection now waiting for another program's lock, and since when: for /api/health. */
export function busyWaits(db: object): { waiting: number; since?: number } {
  const s = stateOf(db);
  return s.waiting > 0 && s.since !== undefined ? { waiting: s.waiting, since: s.since } : { waiting: 0 };
}

/** Counts a write as waiting from now on; the returned function ends that. */
export function markWaiting(db: object): () => void {
  const s = stateOf(db);
  if (s.waiting++ === 0) s.since = Date.now();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--s.waiting === 0) s.since = undefined;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` (one synchronous write: a transaction that either commits or leaves nothing behind) now, and again
 * while the database is busy, pausing asynchronously in between (the connection's policy). Still busy at the end:
 * StorageBusyError. Any other error passes through at once. The first attempt runs before this returns its promise.
 */
export async function retryWhileBusy<T>(db: object, attempt: () => T): Promise<T> {
  let backoff: BusyBackoff | undefined;
  let done: (() => void) | undefined;
  try {
    for (;;) {
      try {
        return attempt();
      } catch (e) {
        if (!isBusyError(e)) throw e;
        if (!backoff) {
          backoff = new BusyBackoff(busyPolicyOf(db));
          done = markWaiting(db);
          log.info('station database busy (another program holds it): waiting to store');
        }
        const delay = backoff.next();
        if (delay === undefined) {
          log.warn('station database still busy after waiting and retrying: STORAGE_BUSY, nothing stored');
          throw e instanceof StorageBusyError ? e : new StorageBusyError(e);
        }
        await sleep(delay);
      }
    }
  } finally {
    done?.();
  }
}
