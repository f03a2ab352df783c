/**
 * The always-visible strip: station, operator, devices, camera, HQ link with the outbox depth, the operator's own
 * work timer, the live link and the language switch.
 */
import { html } from 'htm/preact';
import type { LinkAlarm } from '../../server/api-types.js';
import { lang, minutesText, setLang, t } from '../i18n.js';
import { useActionKeys } from '../action-keys.js';
import { signOut } from '../actions.js';
import { camera, conn, devices, recovery, screen, settings, sync } from '../state.js';
import { useStore } from '../store.js';
import { myWorkload } from '../workload.js';

function pillClass(status: string): string {
  // `open` and `wedge` are HID scanners that read (a wedge one through the page); `closed` is one unplugged.
  if (status === 'reading' || status === 'connected' || status === 'running' || status === 'open' || status === 'wedge') return 'pill good';
  if (status === 'connecting' || status === 'starting' || status === 'stopped') return 'pill warn';
  return 'pill bad';
}

/** The short words for an HQ-link alarm; its full message and hint come from the station (BUG-45). */
export function alarmTitle(a: LinkAlarm): string {
  return a.code === 'MQTT_DUPLICATE_CLIENT_ID' ? t('alarmDuplicateId') : t('hqAlarm');
}

export function Strip(props: { supervisor?: boolean }) {
  useStore(lang);
  const c = useStore(conn);
  const devs = useStore(devices);
  const s = useStore(sync);
  const st = useStore(settings);
  const scr = useStore(screen);
  const cam = useStore(camera);
  const rec = useStore(recovery);
  const wl = useStore(myWorkload);
  const keys = useActionKeys();
  const op = props.supervisor ? undefined : scr?.operator;
  const fig = wl?.figures;
  const breakIn = fig && !fig.onBreak ? fig.signals.find((x) => x.code === 'BREAK_SOON' || x.code === 'BREAK_DUE') : undefined;
  return html`<header class="strip" role="status">
    <strong class="brand">${t('title')}</strong>
    ${st ? html`<span class="muted">${st.site} / ${st.station}</span>` : null}
    ${op ? html`<span class="pill op" data-testid="operator">${op.displayName}</span>` : null}
    <span class="devices">
      ${devs.map((d) => html`<span class=${pillClass(d.status)} title=${d.hint ?? d.detail ?? ''} data-device=${d.id}>${d.id}: ${d.status}</span>`)}
      <span class=${cam.state === 'stopped' ? 'pill neutral' : pillClass(cam.state)} data-device="camera" title=${cam.message ?? ''}>${cam.state === 'stopped' ? t('cameraOff') : `${t('camera')}: ${cam.state}`}</span>
    </span>
    ${s
      ? html`<span class=${`pill ${s.connected ? (s.outboxDepth === 0 ? 'good' : 'warn') : 'bad'}`} data-testid="sync">${s.connected ? t('hqUp') : t('hqDown')} · ${t('outbox', { n: s.outboxDepth })}</span>`
      : null}
    ${s?.blocked
      ? html`<a class="pill warn" href="#/supervisor/sync" data-testid="sync-blocked" title=${t('blockedKpi')}>⚠ ${t('blockedPill', { n: s.blocked })}</a>`
      : null}
    ${rec && !rec.acknowledged
      ? html`<span class=${`pill ${rec.fresh ? 'bad' : 'warn'}`} data-testid="recovery-pill">⚠ ${rec.fresh ? t('recoveryPillEmpty') : t('recoveryPillRestored')}</span>`
      : null}
    ${s?.alarm ? html`<span class="pill bad" data-testid="link-alarm" data-code=${s.alarm.code} title=${`${s.alarm.message} ${s.alarm.hint}`}>⚠ ${alarmTitle(s.alarm)}</span>` : null}
    ${fig
      ? html`<span class=${`pill ${breakIn?.code === 'BREAK_DUE' ? 'warn' : 'neutral'}`} data-testid="work-timer">${fig.onBreak ? t('onBreak') : t('workFor', { t: minutesText(fig.continuousWorkMin) })}</span>`
      : null}
    <span class="spacer"></span>
    <span class=${`pill ${c === 'live' ? 'good' : 'bad'}`} id="conn">${c === 'live' ? t('live') : t('reconnecting')}</span>
    <button class="lang" data-testid="lang" onClick=${() => setLang(lang.get() === 'en' ? 'zh-CN' : 'en')}>${t('language')}</button>
    <a class="navlink" href="#/items" data-testid="station-log">${t('stationLog')}</a>
    ${props.supervisor
      ? html`<a class="navlink" href="#/">${t('operatorScreen')}</a>`
      : html`<a class="navlink" href="#/supervisor">${t('supervisor')}</a>`}
    ${op ? html`<button class="signout" onClick=${() => void signOut(keys.key(`sign-out/${op.pseudonym}/${op.signedInAt}`))}>${t('signOut')}</button>` : null}
  </header>`;
}
