/**
 * The station log (#/items): every item as it is read, identified, decided and synced, newest first. Scans on this
 * page go straight to intake (/api/scans), which is what the demo and a quick bench check use.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ItemView, LiveMessage, ScanResponse } from '../../server/api-types.js';
import { connectLive, isStorageBusy, newKey, postJson, type ApiResult } from '../api.js';
import { setScanHandler } from '../capture.js';
import { lang, t, tx } from '../i18n.js';
import { playSound } from '../sound.js';
import { useStore } from '../store.js';

const REASONS = ['defective', 'damaged_in_transit', 'wrong_item', 'not_as_described', 'changed_mind', 'size_fit'] as const;
const GRADES = ['sealed', 'like_new', 'used', 'damaged', 'missing_parts'] as const;

/** A POST /api/scans body, with the key it keeps when it is sent again. */
type ScanBody = { code: string; source: 'barcode' | 'camera'; idempotencyKey: string; [k: string]: unknown };

/**
 * Sends a scan to the intake. Not stored (BUG-52: the database was busy, STORAGE_BUSY; or no answer at all): it is
 * kept in `drafts` with its key, so sending it again stores it once whatever became of the first request.
 */
async function sendScan(body: ScanBody, keep: (b: ScanBody, kept: boolean) => void): Promise<ApiResult<ScanResponse>> {
  const r = await postJson<ScanResponse>('/api/scans', body);
  keep(body, isStorageBusy(r) || (!r.ok && r.unreachable === true));
  return r;
}

/** What the station log tells the entry line: a kept draft with this key was stored after all ("Try again"). */
interface EntryHandle {
  stored(key: string): void;
}

/**
 * Typing a code by hand (no scanner at a desk, a smudged label): the same intake as a scan, with its answers.
 *
 * BUG-66: the idempotency key belongs to the entry as shown — this code, reason and grade — not to the submit. A
 * double click on "Add item" (or Enter pressed twice) sends the same key twice and the station stores one item (the
 * second answer is the stored item, `duplicate: true`). Editing a field makes it another entry with a new key; once
 * the station has the entry (stored or refused) the line is cleared, so the next entry gets a new key even for the
 * same code. A scan the station could not store keeps its key in the draft and in the line alike.
 */
function ManualEntry(props: { onResult: (code: string, r: ScanResponse | undefined) => void; keep: (b: ScanBody, kept: boolean) => void; handle: { current: EntryHandle | null } }) {
  const [code, setCode] = useState('');
  // Nothing chosen is sent as nothing: the rules then see a missing fact, never a reason or grade nobody gave.
  const [reason, setReason] = useState<string>('');
  const [grade, setGrade] = useState<string>('');
  // A ref, not state: the second click of a double click runs before the first one's render.
  const entryKey = useRef<string | undefined>(undefined);
  const edited = (set: (v: string) => void) => (v: string): void => {
    entryKey.current = undefined;
    set(v);
  };
  /** The station has the entry sent with `key`: clear the line, unless it was edited meanwhile (another entry). */
  const done = (key: string): void => {
    if (entryKey.current !== key) return;
    entryKey.current = undefined;
    setCode('');
  };
  props.handle.current = { stored: done };
  const submit = (e: Event): void => {
    e.preventDefault();
    const c = code.trim();
    if (!c) return;
    const key = (entryKey.current ??= newKey());
    void sendScan({ code: c, source: 'barcode', ...(reason ? { reason } : {}), ...(grade ? { grade } : {}), idempotencyKey: key }, props.keep).then((r) => {
      props.onResult(c, r.body as ScanResponse | undefined);
      // What was typed stays in the field until the station has it (a busy station answers STORAGE_BUSY).
      if (!isStorageBusy(r) && !(!r.ok && r.unreachable === true)) done(key);
    });
  };
  const sel = (v: string, set: (x: string) => void, opts: readonly string[], name: string, unset: string) =>
    html`<select name=${name} value=${v} onChange=${(e: Event) => edited(set)((e.target as HTMLSelectElement).value)}><option value="">${unset}</option>${opts.map((o) => html`<option value=${o}>${o.replace(/_/g, ' ')}</option>`)}</select>`;
  return html`<form class="manual-entry" data-testid="manual-entry" onSubmit=${submit}>
    <input name="code" autocomplete="off" placeholder=${t('typeCode')} value=${code} onInput=${(e: Event) => edited(setCode)((e.target as HTMLInputElement).value)} />
    ${sel(reason, setReason, REASONS, 'reason', t('entryNoReason'))} ${sel(grade, setGrade, GRADES, 'grade', t('entryNoGrade'))}
    <button type="submit">${t('addItem')}</button>
  </form>`;
}

export function ItemsScreen() {
  useStore(lang);
  const [items, setItems] = useState<ItemView[]>([]);
  const [last, setLast] = useState<ItemView | null>(null);
  const [err, setErr] = useState('');
  const [drafts, setDrafts] = useState<ScanBody[]>([]);
  const [sending, setSending] = useState(false);
  const entry = useRef<EntryHandle | null>(null);
  const keep = (b: ScanBody, kept: boolean): void =>
    setDrafts((list) => (kept ? [...list.filter((x) => x.idempotencyKey !== b.idempotencyKey), b].slice(-50) : list.filter((x) => x.idempotencyKey !== b.idempotencyKey)));
  const retry = async (): Promise<void> => {
    setSending(true);
    try {
      for (const d of drafts) {
        const r = await sendScan(d, keep);
        showResult(d.code, r.body as ScanResponse | undefined);
        if (isStorageBusy(r) || (!r.ok && r.unreachable === true)) break;
        entry.current?.stored(d.idempotencyKey);
      }
    } finally {
      setSending(false);
    }
  };
  const showResult = (code: string, b: ScanResponse | undefined): void => {
    if (b && !b.ok) {
      setErr(`${code}: ${b.error.message}`);
      playSound('error');
    } else if (b?.ok) {
      setErr('');
      // The second answer to a double click is the item already stored and shown: no second sound.
      if (!b.duplicate) playSound(b.item.status === 'exception' ? 'attention' : 'ok');
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
      void sendScan({ code: s.code, source: s.source === 'camera' ? 'camera' : 'barcode', ...(s.symbology ? { symbology: s.symbology } : {}), idempotencyKey: newKey() }, keep).then((r) => {
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
    <${ManualEntry} onResult=${showResult} keep=${keep} handle=${entry} />
    ${err ? html`<div class="error" role="alert">${err}</div>` : null}
    ${drafts.length
      ? html`<section class="drafts" role="status" data-testid="drafts" data-count=${drafts.length}>
          <span class="drafts-text">${t('draftsKept', { n: drafts.length })}</span>
          <span class="drafts-codes">${drafts.map((d) => html`<span class="pill neutral" data-draft=${d.code}>${d.code}</span>`)}</span>
          <button data-testid="retry-drafts" disabled=${sending} onClick=${() => void retry()}>${t('tryAgain')}</button>
          <button data-testid="discard-drafts" onClick=${() => setDrafts([])}>${t('discard')}</button>
        </section>`
      : null}
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
