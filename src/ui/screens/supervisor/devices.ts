/**
 * Devices (readers with their antennas and zones, scanner layout, camera) and the sync / HQ link with the outbox,
 * plus the CSV export.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { BlockedEventView } from '../../../server/api-types.js';
import type { DeviceRow, DevicesResponse, SyncResponse } from '../../../server/routes/supervisor-types.js';
import { getJson } from '../../api.js';
import { alarmTitle } from '../../components/strip.js';
import { lang, t } from '../../i18n.js';
import { camera } from '../../state.js';
import { useStore } from '../../store.js';

function usePoll<T>(path: string, ms: number): T | null {
  const [v, setV] = useState<T | null>(null);
  useEffect(() => {
    let alive = true;
    const load = async (): Promise<void> => {
      const r = await getJson<T>(path);
      if (alive && r.ok) setV(r.body);
    };
    void load();
    const id = setInterval(() => void load(), ms);
    return () => {
      alive = false;
      clearInterval(id);
    };
  }, [path, ms]);
  return v;
}

/** "120 / min (1: 100, 2: 20)": the total and each antenna, so a silent antenna stands out. */
function readRate(x: DeviceRow): string {
  if (x.readsPerMin === undefined) return '';
  const per = Object.entries(x.readsByAntenna ?? {}).map(([a, n]) => `${a}: ${n}`);
  return `${t('perMin', { n: x.readsPerMin })}${per.length > 1 ? ` (${per.join(', ')})` : ''}`;
}

export function DevicesTab() {
  useStore(lang);
  const d = usePoll<DevicesResponse>('/api/supervisor/devices', 3000);
  const cam = useStore(camera);
  if (!d) return html`<div class="tab">${t('loading')}</div>`;
  return html`<div class="tab devices" data-testid="tab-devices">
    <section class="card"><table class="grid">
      <thead><tr><th>${t('deviceCol')}</th><th>${t('statusCol')}</th><th>${t('detailCol')}</th><th>${t('zonesCol')}</th><th>${t('readRateCol')}</th></tr></thead>
      <tbody>
        ${d.devices.map((x) => html`<tr data-device=${x.id}><td>${x.id} <span class="muted">${x.kind}</span></td><td class=${x.status === 'reading' || x.status === 'connected' ? 'ok' : 'bad'}>${x.status}</td><td>${x.detail ?? ''}${x.hint ? html`<div class="small">${x.hint}</div>` : null}</td><td>${x.zones ? Object.entries(x.zones).map(([a, z]) => `${a} → ${z}`).join(', ') : ''}</td><td data-testid="read-rate">${readRate(x)}</td></tr>`)}
        <tr><td>${t('scanner')} <span class="muted">wedge</span></td><td class="ok">window capture</td><td>layout ${d.scannerLayout}</td><td></td><td></td></tr>
        <tr><td>${t('camera')} <span class="muted">page</span></td><td>${cam.state}</td><td>${cam.message ?? ''}</td><td></td><td></td></tr>
      </tbody>
    </table></section>
  </div>`;
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

/** BUG-47: each event never sent because it is over the broker's limit, and what to do about it. */
function BlockedEvents(props: { rows: BlockedEventView[]; limit?: number | undefined }) {
  const limit = props.limit !== undefined ? kb(props.limit) : '?';
  return html`<section class="card blocked-events" role="alert" data-testid="blocked-events">
    <h3>⚠ ${t('blockedTitle', { limit })}</h3>
    <table class="grid">
      <thead><tr><th>${t('colSeq')}</th><th>${t('colEventId')}</th><th>${t('colSize')}</th><th>${t('colWhen')}</th><th>${t('colWhat')}</th></tr></thead>
      <tbody>
        ${props.rows.map(
          (b) => html`<tr data-testid="blocked-event" data-seq=${b.seq}>
            <td>${b.seq}</td><td class="eid">${b.eventID}</td><td class="bad">${t('blockedSize', { size: kb(b.bytes), limit })}</td>
            <td>${new Date(b.createdAt).toLocaleString()}</td><td class="small">${b.hqTold ? t('blockedWhat') : t('blockedWhatPending')}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

export function SyncTab() {
  useStore(lang);
  const s = usePoll<SyncResponse>('/api/supervisor/sync', 3000);
  if (!s) return html`<div class="tab">${t('loading')}</div>`;
  const o = s.outbox;
  return html`<div class="tab sync" data-testid="tab-sync">
    <div class="kpis">
      <div class=${`kpi ${s.sync?.connected ? 'good' : 'bad'}`}><b>${s.sync?.connected ? t('hqUp') : t('hqDown')}</b>${s.sync?.brokerUrl ?? ''}</div>
      <div class=${`kpi ${o.depth > 0 ? 'warn' : ''}`} data-testid="unconfirmed"><b>${o.depth}</b>${t('outboxDepth')}</div>
      <div class="kpi"><b>${o.unsent}</b>${t('unsent')}</div>
      ${o.blockedOversize > 0 ? html`<div class="kpi bad" data-testid="blocked-count"><b>${o.blockedOversize}</b>${t('blockedKpi')}</div>` : null}
      <div class="kpi"><b>${o.lastConfirmedAt ? new Date(o.lastConfirmedAt).toLocaleTimeString() : '—'}</b>${t('lastConfirmed')}</div>
      <div class="kpi"><b>${o.lastConfirmedSeq} / ${o.lastSeq}</b>seq</div>
    </div>
    ${s.sync?.alarm
      ? html`<section class="card link-alarm" role="alert" data-testid="link-alarm" data-code=${s.sync.alarm.code}>
          <b>⚠ ${alarmTitle(s.sync.alarm)}</b> <span class="muted">${s.sync.alarm.code} · ${new Date(s.sync.alarm.since).toLocaleTimeString()}</span>
          <p>${s.sync.alarm.message}</p><p class="small">${s.sync.alarm.hint}</p>
        </section>`
      : null}
    ${s.blocked?.length ? html`<${BlockedEvents} rows=${s.blocked} limit=${s.maxEventBytes} />` : null}
    <section class="card"><a class="button" href="/api/supervisor/export/items.csv" download data-testid="export">${t('exportCsv')}</a></section>
  </div>`;
}
