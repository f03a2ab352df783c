/**
 * Full-screen messages when the station cannot work normally: the server does not answer, the database failed, a
 * device faulted, or the page itself broke. Never a white page; each says what to do in plain words.
 */
import { html } from 'htm/preact';
import { lang, t } from '../i18n.js';
import { dismissDeviceFault, fatal } from '../state.js';
import { useStore } from '../store.js';

export function FatalOverlay() {
  useStore(lang);
  const f = useStore(fatal);
  if (!f) return null;
  let title = '';
  let hint = '';
  let action = null;
  switch (f.kind) {
    case 'server':
      title = t('serverDown');
      hint = t('serverDownHint');
      action = html`<p class="retrying">${t('retrying')}</p>`;
      break;
    case 'database':
      title = t('dbDown');
      hint = t('dbDownHint');
      break;
    case 'device':
      title = t('deviceDown', { device: f.id });
      hint = `${t('deviceDownHint')}${f.detail ? ` (${f.detail})` : ''}`;
      action = html`<button class="big" onClick=${() => dismissDeviceFault(f.id)}>${t('continueAnyway')}</button>`;
      break;
    case 'page':
      title = t('pageError');
      hint = t('pageErrorHint');
      action = html`<button class="big" onClick=${() => location.reload()}>${t('reload')}</button>`;
      break;
  }
  return html`<div class="fatal" role="alertdialog" aria-live="assertive" data-fatal=${f.kind}>
    <div class="fatal-box">
      <div class="fatal-icon">!</div>
      <h1>${title}</h1>
      <p>${hint}</p>
      ${action}
    </div>
  </div>`;
}

/** Plain-DOM fallback for errors outside the component tree (works even if the UI library itself failed). */
export function installGlobalErrorScreen(): void {
  const show = (detail: string): void => {
    if (document.querySelector('.fatal')) return;
    const root = document.getElementById('app');
    if (root && root.childElementCount > 0 && !document.body.dataset.booting) {
      // The app is drawn: let it show its own overlay.
      fatal.set({ kind: 'page', detail });
      return;
    }
    const div = document.createElement('div');
    div.className = 'fatal';
    div.dataset.fatal = 'page';
    const box = document.createElement('div');
    box.className = 'fatal-box';
    const h = document.createElement('h1');
    h.textContent = t('pageError');
    const p = document.createElement('p');
    p.textContent = t('pageErrorHint');
    const b = document.createElement('button');
    b.className = 'big';
    b.textContent = t('reload');
    b.onclick = () => location.reload();
    box.append(h, p, b);
    div.append(box);
    document.body.append(div);
  };
  window.addEventListener('error', (e) => show(e.message));
  window.addEventListener('unhandledrejection', (e) => show(String((e as PromiseRejectionEvent).reason)));
  void lang;
}
