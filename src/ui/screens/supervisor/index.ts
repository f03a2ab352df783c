/**
 * Supervisor screens behind a badge (+ PIN) sign-in: queue and exceptions, rules, workload, devices, sync.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { setScanHandler } from '../../capture.js';
import { useActionKeys } from '../../action-keys.js';
import { lang, t } from '../../i18n.js';
import { useStore } from '../../store.js';
import { RecoveryBanner } from '../../components/recovery-banner.js';
import { DevicesTab, SyncTab } from './devices.js';
import { QueueTab } from './queue.js';
import { RulesTab } from './rules.js';
import { signInError, SUP_SCREEN, supervisor, supervisorSignIn, supervisorSignOut } from './session.js';
import { WorkloadTab } from './workload.js';

const TABS = ['queue', 'rules', 'workload', 'devices', 'sync'] as const;
type Tab = (typeof TABS)[number];
const LABEL = { queue: 'tabQueue', rules: 'tabRules', workload: 'tabWorkload', devices: 'tabDevices', sync: 'tabSync' } as const;

function SupSignIn() {
  const [badge, setBadge] = useState('');
  const [pin, setPin] = useState('');
  const err = useStore(signInError);
  const keys = useActionKeys();
  useEffect(() => {
    // A supervisor badge scanned at the window signs in too (PIN typed first when the site needs one).
    setScanHandler((s) => void supervisorSignIn(s.code, (document.getElementById('sup-pin') as HTMLInputElement | null)?.value || undefined));
  }, []);
  return html`<section class="sup-signin card" data-testid="sup-signin">
    <h2>${t('supSignIn')}</h2>
    <form onSubmit=${(e: Event) => {
      e.preventDefault();
      void supervisorSignIn(badge.trim(), pin || undefined, keys.key(`${badge.trim()}/${pin}`));
    }}>
      <label>${t('badge')} <input id="sup-badge" autocomplete="off" value=${badge} onInput=${(e: Event) => setBadge((e.target as HTMLInputElement).value)} /></label>
      <label>${t('pin')} <input id="sup-pin" type="password" inputmode="numeric" autocomplete="off" value=${pin} onInput=${(e: Event) => setPin((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" class="big">${t('signIn')}</button>
    </form>
    ${err ? html`<div class="error" role="alert">${err === 'not-supervisor' ? t('notSupervisor') : err}</div>` : null}
  </section>`;
}

export function SupervisorScreen(props: { tab?: string }) {
  useStore(lang);
  const sup = useStore(supervisor);
  const keys = useActionKeys();
  const tab: Tab = (TABS as readonly string[]).includes(props.tab ?? '') ? (props.tab as Tab) : 'queue';
  useEffect(() => {
    if (sup) setScanHandler(() => undefined);
  }, [sup]);
  if (!sup) return html`<main class="supervisor"><${SupSignIn} /></main>`;
  return html`<main class="supervisor">
    <nav class="tabs">
      ${TABS.map((x) => html`<a class=${x === tab ? 'tab-link active' : 'tab-link'} href=${`#/supervisor/${x}`} data-tab=${x}>${t(LABEL[x])}</a>`)}
      <span class="spacer"></span><span class="muted">${sup.displayName}</span>
      <button onClick=${() => void supervisorSignOut(keys.key(`sign-out/${sup.pseudonym}/${sup.signedInAt}`))}>${t('signOut')}</button>
    </nav>
    <${RecoveryBanner} screen=${SUP_SCREEN} />
    ${tab === 'queue' ? html`<${QueueTab} />` : null}
    ${tab === 'rules' ? html`<${RulesTab} />` : null}
    ${tab === 'workload' ? html`<${WorkloadTab} />` : null}
    ${tab === 'devices' ? html`<${DevicesTab} />` : null}
    ${tab === 'sync' ? html`<${SyncTab} />` : null}
  </main>`;
}
