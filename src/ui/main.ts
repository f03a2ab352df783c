/**
 * Boot: error screens first (so nothing can end in a white page), then language, live link and the screens.
 * Routes: #/ operator, #/supervisor[/tab], #/items station log.
 */
import { Component, html, render } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { attachScanner } from './capture.js';
import { FatalOverlay, installGlobalErrorScreen } from './components/fatal.js';
import { Strip } from './components/strip.js';
import { lang, setLang, t } from './i18n.js';
import { ItemsScreen } from './screens/items.js';
import { OperatorScreen } from './screens/operator.js';
import { SupervisorScreen } from './screens/supervisor/index.js';
import { played } from './sound.js';
import { fatal, metrics, result, screen, settings, startStation } from './state.js';
import { useStore } from './store.js';
import { refreshWorkload, startWorkloadPolling } from './workload.js';

installGlobalErrorScreen();
const bootAt = performance.now();

class Boundary extends Component<{ children?: unknown }, { failed: boolean }> {
  override state = { failed: false };
  override componentDidCatch(err: unknown): void {
    this.setState({ failed: true });
    fatal.set({ kind: 'page', detail: String(err) });
  }
  override render() {
    return this.state.failed ? null : (this.props.children as never);
  }
}

function useRoute(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = (): void => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean);
}

function App() {
  useStore(lang);
  const route = useRoute();
  const st = useStore(settings);
  useEffect(() => {
    if (st) attachScanner(st);
  }, [st]);
  const sup = route[0] === 'supervisor';
  let body;
  if (sup) body = html`<${SupervisorScreen} tab=${route[1]} />`;
  else if (route[0] === 'items') body = html`<${ItemsScreen} />`;
  else body = html`<${OperatorScreen} />`;
  return html`<${Strip} supervisor=${sup} /><${Boundary}>${body}<//><${FatalOverlay} />`;
}

// Test and benchmark hooks: read-only views of what the screen did (no secrets live in the page).
(window as unknown as { __rs: unknown }).__rs = { metrics, played, result, screen, bootAt, refreshWorkload };

setLang(lang.get());
const root = document.getElementById('app');
if (root) {
  root.replaceChildren();
  delete document.body.dataset.booting;
  render(html`<${App} />`, root);
}
document.title = t('title');
// Usable = the screen state is loaded and the scanner is listening (its layout comes with the live hello).
const scannerReady = new Promise<void>((resolve) => {
  const check = (): void => {
    const st = settings.get();
    if (!st) return;
    attachScanner(st);
    resolve();
  };
  settings.subscribe(check);
  check();
});
void Promise.all([startStation(), scannerReady]).then(() => {
  metrics.firstUsableMs = performance.now();
  document.body.dataset.ready = '1';
});
startWorkloadPolling();
