/**
 * What a person must look at without the station being down (BUG-47 blocked events, BUG-54 a database restored at
 * start-up) and what stops it being trusted (BUG-54: a database started empty), as /api/health and the screens say it.
 */
import type { BlockedEventView, HealthWarning, RecoveryNoticeView } from '../server/api-types.js';
import { blockedRows, type OutboxStats, type StationDb } from '../store/index.js';

/** The blocked events, oldest first; `hqTold` once HQ's receipt has passed the number (it got the skip notice). */
export function blockedEventViews(sdb: StationDb, confirmedSeq: number, limit = 100): BlockedEventView[] {
  return blockedRows(sdb, limit).map((r) => ({ seq: r.seq, eventID: r.event_id, bytes: r.bytes, createdAt: r.created_at, itemId: r.item_id, hqTold: r.seq <= confirmedSeq }));
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

/** A fresh database in place of a damaged one, not yet acknowledged: the station works, but without its operators. */
export function startedEmptyUnacknowledged(n: RecoveryNoticeView | undefined): boolean {
  return !!n && n.fresh && !n.acknowledged;
}

export function healthWarnings(sdb: StationDb, s: OutboxStats, maxEventBytes: number | undefined, notice: RecoveryNoticeView | undefined): HealthWarning[] {
  const out: HealthWarning[] = [];
  if (s.blockedOversize > 0) {
    const first = blockedRows(sdb, 1)[0];
    out.push({
      code: 'OUTBOX_BLOCKED_OVERSIZE',
      message: `${s.blockedOversize} event${s.blockedOversize === 1 ? ' is' : 's are'} too large for the broker${maxEventBytes ? ` (limit ${kb(maxEventBytes)})` : ''}: never sent; HQ is told to skip ${s.blockedOversize === 1 ? 'its number' : 'their numbers'}. The rest of the outbox is delivered.`,
      hint: 'The supervisor screen, Sync tab, lists each blocked event (sequence, eventID, size). Record the item again without the large attachment, or tell HQ which return it was.',
      ...(first ? { since: first.created_at } : {}),
    });
  }
  if (notice && !notice.acknowledged) {
    const aside = notice.movedAside.length ? ` The damaged file was moved aside to ${notice.movedAside.join(', ')}.` : '';
    out.push(
      notice.fresh
        ? {
            code: 'DATABASE_STARTED_EMPTY',
            message: `The station database was damaged at start-up and no usable backup was found: the station started with an EMPTY database. Operators and expected returns are gone; returns HQ holds are asked back.${aside}`,
            hint: 'Register the operators again and re-import the expected returns (returns-station import returns <file>), then acknowledge this on the supervisor screen.',
            since: notice.at,
          }
        : {
            code: 'DATABASE_RESTORED',
            message: `The station database was damaged at start-up and was restored from the backup ${notice.restoredFrom ?? ''}. Returns recorded after that backup are asked back from HQ.${aside}`,
            hint: 'Check the last returns before the damage, then acknowledge this on the supervisor screen.',
            since: notice.at,
          },
    );
  }
  return out;
}
