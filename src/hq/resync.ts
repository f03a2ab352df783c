import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { topics, type ResyncBatch, type ResyncRequest } from '../sync/topics.js';
import type { HqStore } from './types.js';

const log = createLogger('hq.resync');

/** Events per answer message: ~1 KiB each keeps a batch well under the broker's 256 KiB packet limit. */
export const RESYNC_BATCH = 100;
/** Upper bound of one answer (a station that lost more asks again from where its history ends). */
export const RESYNC_MAX = 50_000;

/** The request as sent, or undefined when it is not one (logged, never thrown: one bad station must not stop HQ). */
export function parseResyncRequest(payload: string): ResyncRequest | undefined {
  try {
    const r = JSON.parse(payload) as Partial<ResyncRequest>;
    if (typeof r.fromSeq === 'number' && Number.isSafeInteger(r.fromSeq) && r.fromSeq >= 0 && typeof r.requestId === 'string' && r.requestId.length <= 100) {
      return { fromSeq: r.fromSeq, requestId: r.requestId };
    }
  } catch {
    /* fall through */
  }
  return undefined;
}

/**
 * Answers a station's re-sync request (BUG-54): its events HQ stored above `fromSeq`, in sequence order, in
 * batches on `…/{station}/resync`; every batch carries HQ's receipt as read from the store, and the last one says
 * so. A station with nothing at HQ gets one empty, last batch (so it learns HQ's highest is 0).
 */
export async function answerResync(
  store: HqStore,
  publish: (topic: string, payload: string) => Promise<void>,
  site: string,
  station: string,
  req: ResyncRequest,
): Promise<{ events: number; batches: number }> {
  if (!store.eventsAfter) {
    log.warn({ site, station }, 'this HQ store cannot answer re-sync requests');
    return { events: 0, batches: 0 };
  }
  const topic = topics.resync(site, station);
  let after = req.fromSeq;
  let sent = 0;
  let batch = 0;
  // The receipt is read once, first: every event the answer holds is then at or below `highest`... or above it
  // when stored meanwhile, which only makes the station's continuation start higher, never lower.
  let receipt: ResyncBatch['receipt'] | undefined;
  for (;;) {
    const page = await store.eventsAfter(site, station, after, RESYNC_BATCH);
    receipt ??= { contiguous: page.contiguous, highest: page.highest };
    const highestSeen = page.events.reduce((m, e) => Math.max(m, e.seq), 0);
    receipt = { contiguous: receipt.contiguous, highest: Math.max(receipt.highest, highestSeen) };
    sent += page.events.length;
    const last = page.events.length < RESYNC_BATCH || sent >= RESYNC_MAX;
    const msg: ResyncBatch = { requestId: req.requestId, receipt, events: page.events, batch, last };
    try {
      await publish(topic, JSON.stringify(msg));
    } catch (e) {
      log.warn({ site, station, err: errorMessage(e) }, 're-sync answer not sent; the station asks again');
      return { events: sent, batches: batch };
    }
    batch++;
    const lastEv = page.events[page.events.length - 1];
    if (last || !lastEv) break;
    // One number can be held by two events (a conflict an older station caused): the next page starts one below the
    // last number so none of them is cut off at a page boundary (the station stores by key; a repeat is harmless).
    const firstEv = page.events[0];
    after = firstEv && firstEv.seq === lastEv.seq ? lastEv.seq : lastEv.seq - 1;
  }
  log.info({ site, station, fromSeq: req.fromSeq, events: sent, batches: batch }, 're-sync answered');
  return { events: sent, batches: batch };
}
