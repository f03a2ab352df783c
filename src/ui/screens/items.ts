/**
 * The station log (#/items): every item as it is read, identified, decided and synced, newest first. Scans on this
 * page go straight to intake (/api/scans), which is what the demo and a quick bench check use.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ItemView, LiveMessage, ScanResponse } from '../../server/api-types.js';
import { connectLive, newKey, postJson } from '../api.js';
import { setScanHandler } from '../capture.js';
import { lang, t, tx } from '../i18n.js';
import { playSound } from '../sound.js';
import { useStore } from '../store.js';

const REASONS = ['defective', 'damaged_in_transit', 'wrong_item', 'not_as_described', 'changed_mind', 'size_fit'] as const;
const GRADES = ['sealed', 'like_new', 'used', 'damaged', 'missing_parts'] as const;

/** Typing a code by hand (no scanner at a desk, a smudged label): the same intake as a scan, with its answers. */
function ManualEntry(props: { onResult: (code: string, r: ScanResponse | undefined) => void }) {
  const [code, setCode] = useState('');
  const [reason, setReason] = useState<string>('changed_mind');
  const [grade, setGrade] = useState<string>('sealed');
  const submit = (e: Event): void => {
    e.preventDefault();
    const c = code.trim();
    if (!c) return;
    void postJson<ScanResponse>('/api/scans', { code: c, source: 'barcode', reason, grade, idempotencyKey: newKey() }).then((r) => {
      props.onResult(c, r.body as ScanResponse | undefined);
      setCode('');
    });
  };
  const sel = (v: string, set: (x: string) => void, opts: readonly string[], name: string) =>
    html`<select name=${name} value=${v} onChange=${(e: Event) => set((e.target as HTMLSelectElement).value)}>${opts.map((o) => html`<option value=${o}>${o.replace(/_/g, ' ')}</option>`)}</select>`;
  return html`<form class="manual-entry" data-testid="manual-entry" onSubmit=${submit}>
    <input name="code" autocomplete="off" placeholder=${t('typeCode')} value=${code} onInput=${(e: Event) => setCode((e.target as HTMLInputElement).value)} />
    ${sel(reason, setReason, REASONS, 'reason')} ${sel(grade, setGrade, GRADES, 'grade')}
    <button type="submit">${t('addItem')}</button>
  </form>`;
}

export function ItemsScreen() {
  useStore(lang);
  const [items, setItems] = useState<ItemView[]>([]);
  const [last, setLast] = useState<ItemView | null>(null);
  const [err, setErr] = useState('');
  const showResult = (code: string, b: ScanResponse | undefined): void => {
    if (b && !b.ok) {
      setErr(`${code}: ${b.error.message}`);
      playSound('error');
    } else if (b?.ok) {
      setErr('');
      playSound(b.item.status === 'exception' ? 'attention' : 'ok');
    }
  };
  useEffect(() => {
    const off = connectLive(
      (m) => {
        const msg = m as LiveMessage;
        if (msg.type === 'hello') setItems(msg.items);
        else if (msg.type === 'item') {
          setItems((list) => [msg.item, ...list.filter((x) => x.id !== msg.item.id)].slice(0, 200));
          setLast(msg.item);
        } else if (msg.type === 'item-sync') setItems((list) => list.map((x) => (x.id === msg.id ? { ...x, sync: msg.sync } : x)));
        else if (msg.type === 'scan-rejected') setErr(`${msg.raw}: ${msg.error.message}`);
      },
      () => undefined,
    );
    setScanHandler((s) => {
      setErr('');
      void postJson<ScanResponse>('/api/scans', { code: s.code, source: s.source === 'camera' ? 'camera' : 'barcode', ...(s.symbology ? { symbology: s.symbology } : {}), idempotencyKey: newKey() }).then((r) => {
        showResult(s.code, r.body as ScanResponse | undefined);
      });
    });
    return off;
  }, []);
  return html`<main class="items-screen">
    <section class=${`result ${last ? `d-${last.disposition}` : 'idle'}`} id="result">
      <div class="bin" id="result-bin">${last?.bin ?? '—'}</div>
      <div class="what">${last ? `${last.disposition.replace(/_/g, ' ')} → ${last.nextDepartment}${last.productName ? ` · ${last.productName}` : ''}` : t('scanPrompt')}</div>
      ${last ? html`<div class="why-text">${tx(last.explanation)}</div>` : null}
    </section>
    <${ManualEntry} onResult=${showResult} />
    ${err ? html`<div class="error" role="alert">${err}</div>` : null}
    <table id="items" class="grid">
      <thead><tr><th>time</th><th>source</th><th>item</th><th>product</th><th>disposition</th><th>bin</th><th>next</th><th>rule</th><th>sync</th></tr></thead>
      <tbody>${items.map(
        (it) => html`<tr data-id=${it.id} title=${tx(it.explanation)}>
          <td>${new Date(it.at).toLocaleTimeString()}</td><td>${it.source}</td><td>${it.epc ?? it.gtin ?? it.raw}</td>
          <td>${it.productName ?? (it.exception ? it.exception.message : '—')}</td><td>${it.disposition}</td><td>${it.bin}</td><td>${it.nextDepartment}</td>
          <td>${it.matchedRows.map((m) => `${m.table}#${m.row}`).join(', ') || '—'}</td><td class=${`sync-${it.sync}`}>${it.sync}</td>
        </tr>`,
      )}</tbody>
    </table>
  </main>`;
}
