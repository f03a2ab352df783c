import { compareStations, WORKLOAD_METRICS_SCHEMA, type StationComparisonRow, type WorkloadMetricsMessage } from '../workload/metrics.js';
import type { StationWorkloadMetrics } from './types.js';

/** Larger than any real message (the heatmap is 168 numbers); a bigger one is not a station's and is not stored. */
export const MAX_WORKLOAD_METRICS_BYTES = 64 * 1024;

/**
 * Checks a station's workload message enough to store it: the schema tag, a real time, the figures the comparison
 * reads. The topic, not the payload, says which station sent it.
 */
export function parseWorkloadMetrics(payload: string): { ok: true; message: WorkloadMetricsMessage; at: number } | { ok: false; reason: string } {
  if (Buffer.byteLength(payload) > MAX_WORKLOAD_METRICS_BYTES) return { ok: false, reason: 'too large' };
  let m: Partial<WorkloadMetricsMessage> | null;
  try {
    m = JSON.parse(payload) as Partial<WorkloadMetricsMessage> | null;
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return { ok: false, reason: 'not an object' };
  if (m.schema !== WORKLOAD_METRICS_SCHEMA) return { ok: false, reason: `schema is not ${WORKLOAD_METRICS_SCHEMA}` };
  const at = typeof m.at === 'string' ? Date.parse(m.at) : Number.NaN;
  if (!Number.isFinite(at)) return { ok: false, reason: 'no valid "at"' };
  for (const k of ['operatorsActive', 'throughputPerOperatorHour', 'itemsPerWorkHour', 'queueLength', 'misbins30m'] as const) {
    if (typeof m[k] !== 'number' || !Number.isFinite(m[k])) return { ok: false, reason: `"${k}" is not a number` };
  }
  if (typeof m.signals !== 'object' || m.signals === null) return { ok: false, reason: '"signals" is missing' };
  return { ok: true, message: m as WorkloadMetricsMessage, at };
}

export interface HqWorkloadView {
  /** One row per station (`site/station`), newest message, throughput against the fleet median. */
  rows: Array<StationComparisonRow & { site: string; receivedAt: number }>;
  medianThroughput: number;
}

/** HQ's comparison across stations from the stored latest messages (compareStations, keyed by site/station). */
export function workloadComparison(stored: readonly StationWorkloadMetrics[]): HqWorkloadView {
  const messages: WorkloadMetricsMessage[] = [];
  const meta = new Map<string, { site: string; receivedAt: number }>();
  for (const s of stored) {
    const p = parseWorkloadMetrics(s.payload);
    if (!p.ok) continue;
    const key = `${s.site}/${s.station}`;
    // Two sites may both have a "dock-1": the row is named by site and station, whatever the payload says.
    messages.push({ ...p.message, station: key });
    meta.set(key, { site: s.site, receivedAt: s.receivedAt });
  }
  const c = compareStations(messages);
  return {
    medianThroughput: c.medianThroughput,
    rows: c.rows.map((r) => ({ ...r, site: meta.get(r.station)?.site ?? '', receivedAt: meta.get(r.station)?.receivedAt ?? 0 })),
  };
}
