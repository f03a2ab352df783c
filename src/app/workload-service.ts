import type { WorkloadSettings } from '../config/workload.js';
import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { topics } from '../sync/topics.js';
import { metricsMessage, type Snapshot, type WorkloadConfig, type WorkloadMetricsMessage } from '../workload/index.js';

const log = createLogger('workload.metrics');

/** The monitor's settings from the station config: thresholds the file leaves out keep the workload defaults. */
export function workloadMonitorConfig(w: WorkloadSettings, station: string): Partial<WorkloadConfig> {
  const out: Partial<WorkloadConfig> = { station };
  // perPerson and metricsIntervalSec are the station's business (screens, HQ link), not the monitor's.
  for (const [k, v] of Object.entries(w)) if (v !== undefined && k !== 'perPerson' && k !== 'metricsIntervalSec') (out as Record<string, unknown>)[k] = v;
  return out;
}

/** What the metrics timer needs of the MQTT link (OutboxPublisher.publish): send now, or say it could not. */
export interface MetricsLink {
  publish(topic: string, payload: string, opts: { qos?: 0 | 1; retain?: boolean; timeoutMs?: number }): Promise<boolean>;
}

export interface WorkloadMetricsOptions {
  site: string;
  station: string;
  intervalSec: number;
  snapshot: () => Snapshot;
  link: MetricsLink;
}

/**
 * Sends HQ the aggregated workload message every `intervalSec` at QoS 0 on `…/metrics/workload`. Offline, a tick is
 * simply dropped, not kept: the next one carries fresher figures, and the outbox stays for events HQ must get.
 */
export class WorkloadMetricsPublisher {
  private timer: NodeJS.Timeout | undefined;
  sent = 0;
  dropped = 0;

  constructor(private readonly o: WorkloadMetricsOptions) {}

  start(): void {
    if (this.timer || this.o.intervalSec <= 0) return;
    this.timer = setInterval(() => void this.publishNow(), this.o.intervalSec * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The message as HQ gets it (no pseudonyms, no badge ids: metricsMessage aggregates). */
  message(): WorkloadMetricsMessage {
    return metricsMessage(this.o.snapshot(), { station: this.o.station });
  }

  async publishNow(): Promise<boolean> {
    let payload: string;
    try {
      payload = JSON.stringify(this.message());
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'workload figures could not be computed; no metrics this time');
      return false;
    }
    const ok = await this.o.link.publish(topics.workloadMetrics(this.o.site, this.o.station), payload, { qos: 0, timeoutMs: 5000 });
    if (ok) this.sent++;
    else this.dropped++;
    return ok;
  }
}
