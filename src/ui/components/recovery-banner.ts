/**
 * BUG-54: the start-up recovery of the station database, on the supervisor screens until a supervisor acknowledges
 * it: which file was moved aside, which backup was restored (or none: started empty), when, and what to do.
 */
import { html } from 'htm/preact';
import type { RecoveryNoticeView } from '../../server/api-types.js';
import { postJson } from '../api.js';
import { lang, t } from '../i18n.js';
import { recovery } from '../state.js';
import { useStore } from '../store.js';

export async function acknowledgeRecovery(screen: string): Promise<void> {
  const r = await postJson<{ ok: true; recovery: RecoveryNoticeView }>('/api/supervisor/recovery/ack', { screen });
  if (r.ok) recovery.set(r.body.recovery);
}

export function RecoveryBanner(props: { screen: string }) {
  useStore(lang);
  const n = useStore(recovery);
  if (!n || n.acknowledged) return null;
  return html`<section class=${`card recovery-banner ${n.fresh ? 'bad' : 'warn'}`} role="alert" data-testid="recovery-banner" data-fresh=${String(n.fresh)}>
    <b>⚠ ${n.fresh ? t('recoveryEmptyTitle') : t('recoveryRestoredTitle')}</b>
    <p>${n.fresh ? t('recoveryEmptyText') : t('recoveryRestoredText')}</p>
    <ul class="small">
      <li data-testid="recovery-backup">${n.restoredFrom ? t('recoveryBackup', { b: n.restoredFrom }) : t('recoveryBackupNone')}</li>
      ${n.movedAside.length ? html`<li data-testid="recovery-moved">${t('recoveryMovedAside', { files: n.movedAside.join(', ') })}</li>` : null}
      <li>${t('recoveryWhen', { t: new Date(n.at).toLocaleString() })}</li>
    </ul>
    <button class="big" data-testid="recovery-ack" onClick=${() => void acknowledgeRecovery(props.screen)}>${t('recoveryAck')}</button>
  </section>`;
}
