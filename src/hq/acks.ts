import { createLogger } from '../core/logger.js';
import type { DownlinkAck } from '../sync/downlink/envelope.js';
import type { StoredDownlinkAck } from './types.js';

const log = createLogger('hq');

/** A station's latest answer to a downlink (per site, station, kind and target), as HQ last heard it. */
export interface DownlinkAckView extends DownlinkAck {
  site: string;
  station: string;
  receivedAt: number;
}

/** Stored acks as views; a row whose text no longer parses is left out rather than failing the whole view. */
export function downlinkAckViews(rows: readonly StoredDownlinkAck[]): DownlinkAckView[] {
  const out: DownlinkAckView[] = [];
  for (const r of rows) {
    try {
      out.push({ ...(JSON.parse(r.payload) as DownlinkAck), site: r.site, station: r.station, receivedAt: r.receivedAt });
    } catch {
      log.warn({ site: r.site, station: r.station, kind: r.kind }, 'stored downlink ack is not JSON; left out');
    }
  }
  return out;
}

