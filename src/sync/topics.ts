/** MQTT topic map v1, shared by station, HQ and UI. Only these functions build topic strings. */
export const TOPIC_ROOT = 'returns/v1';

const seg = (s: string): string => {
  // A site or station name with + # / would turn a topic into a wildcard or a different level.
  if (!s || /[+#/]/.test(s) || s.includes('\u0000')) throw new Error(`"${s}" cannot be used in an MQTT topic (no / + # or empty)`);
  return s;
};

export const topics = {
  base: (site: string, station: string): string => `${TOPIC_ROOT}/${seg(site)}/${seg(station)}`,
  /** QoS 1; one EPCIS event, or an EPCISDocument of consecutive events (a backlog drains packed) */
  events: (site: string, station: string): string => `${topics.base(site, station)}/events`,
  /** QoS 1; sequence numbers the station will never send (oversize events), so HQ's count moves on */
  skips: (site: string, station: string): string => `${topics.base(site, station)}/skips`,
  /** retained, QoS 1; HQ's receipt (highest contiguous sequence stored, gaps it sees) */
  ack: (site: string, station: string): string => `${topics.base(site, station)}/ack`,
  /** retained; online/offline (last will) */
  status: (site: string, station: string): string => `${topics.base(site, station)}/status`,
  /** QoS 0; never queued */
  metrics: (site: string, station: string): string => `${topics.base(site, station)}/metrics`,
  /** QoS 0, never queued: aggregated workload figures (WorkloadMetricsMessage), apart from the outbox heartbeat */
  workloadMetrics: (site: string, station: string): string => `${topics.base(site, station)}/metrics/workload`,
  /** retained, QoS 1 downlink from HQ; target is a station id or `all` (docs/sync.md, Downlink) */
  downlink: (site: string, target: string, kind: 'rules' | 'catalog' | 'returns'): string => `${TOPIC_ROOT}/${seg(site)}/${seg(target)}/${kind}`,
  /** QoS 1; the station's answer to each downlink message: applied, refused (with code and reason) or ignored */
  downlinkAck: (site: string, station: string): string => `${topics.base(site, station)}/downlink/ack`,
  /** QoS 1; after a restore the station asks HQ for its events above `fromSeq` (ResyncRequest) */
  resyncRequest: (site: string, station: string): string => `${topics.base(site, station)}/resync/request`,
  /** QoS 1; HQ's answer to a resync request, in batches (ResyncBatch) */
  resync: (site: string, station: string): string => `${topics.base(site, station)}/resync`,
  hqResyncRequests: (): string => `${TOPIC_ROOT}/+/+/resync/request`,
  /** HQ's subscriptions (wildcards), optionally shared between workers */
  hqEvents: (share?: string): string => `${share ? `$share/${share}/` : ''}${TOPIC_ROOT}/+/+/events`,
  hqSkips: (share?: string): string => `${share ? `$share/${share}/` : ''}${TOPIC_ROOT}/+/+/skips`,
  hqStatus: (): string => `${TOPIC_ROOT}/+/+/status`,
  hqDownlinkAcks: (): string => `${TOPIC_ROOT}/+/+/downlink/ack`,
  hqWorkloadMetrics: (): string => `${TOPIC_ROOT}/+/+/metrics/workload`,
};

/** `returns/v1/{site}/{station}/{rest}` → parts, or undefined for anything else. */
export function parseTopic(topic: string): { site: string; station: string; rest: string } | undefined {
  const p = topic.split('/');
  if (p.length < 5 || p[0] !== 'returns' || p[1] !== 'v1') return undefined;
  return { site: p[2] ?? '', station: p[3] ?? '', rest: p.slice(4).join('/') };
}

/** HQ's receipt payload on the ack topic. */
export interface Receipt {
  /** every sequence number ≤ this is stored at HQ */
  contiguous: number;
  /** ranges above `contiguous` HQ has not got yet although it got later ones */
  missing?: Array<[number, number]>;
  /** highest sequence number HQ has seen */
  highest?: number;
  at: number;
  /**
   * Numbers of this batch HQ already held under another eventID (two stations with one name, a cloned disk, a
   * fresh database under an old name). HQ stored the new events as well, so nothing is lost; a person must look.
   */
  conflicts?: Array<[number, number]>;
  /** every such number HQ has seen for this station so far */
  conflictsTotal?: number;
}

export interface SkipNotice {
  seq: number;
  eventID: string;
  /**
   * lost_in_restore: sent by a database that was damaged and replaced by an older backup (BUG-54);
   * purged_after_confirmation: confirmed by HQ earlier and removed by retention, then HQ lost it (a new HQ database)
   */
  reason: 'blocked_oversize' | 'lost_in_restore' | 'purged_after_confirmation';
  bytes: number;
}

/** Station → HQ after a restore (BUG-54): send back what you hold for me above `fromSeq`. */
export interface ResyncRequest {
  fromSeq: number;
  /** echoed in every batch of the answer */
  requestId: string;
}

/** HQ → station, one message per batch; `receipt` is HQ's state from its store when the answer began. */
export interface ResyncBatch {
  requestId: string;
  /** HQ's receipt for this station, read from its store (authoritative, unlike a retained message one batch late) */
  receipt: { contiguous: number; highest: number };
  events: Array<{ key: string; seq: number; payload: string }>;
  /** index of this batch, from 0 */
  batch: number;
  last: boolean;
}
