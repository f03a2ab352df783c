import { attachWedge, type WedgeScan } from '../../devices/scanner/wedge.js';
import type { DeviceView, ItemView, LiveMessage, ScanResponse, SyncView, UiSettings } from '../server/api-types.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const items = new Map<string, ItemView>();
const devices = new Map<string, DeviceView>();
const tbody = $('items').querySelector('tbody') as HTMLTableSectionElement;

function text(tag: string, value: string, cls?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = value;
  if (cls) el.className = cls;
  return el;
}

function rowFor(item: ItemView): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.id = item.id;
  const rule = item.matchedRows.map((m) => `${m.table}#${m.row}`).join(', ') || '—';
  tr.append(
    text('td', new Date(item.at).toLocaleTimeString()),
    text('td', item.source),
    text('td', item.epc ?? item.gtin ?? item.raw),
    text('td', item.productName ?? (item.exception ? item.exception.message : '—')),
    text('td', item.disposition),
    text('td', item.bin),
    text('td', item.nextDepartment),
    text('td', rule),
    text('td', item.sync, `sync-${item.sync}`),
  );
  tr.title = item.explanation.en;
  return tr;
}

function showResult(item: ItemView): void {
  const box = $('result');
  box.className = `result d-${item.disposition}`;
  $('result-bin').textContent = item.bin;
  $('result-what').textContent = `${item.disposition.replace(/_/g, ' ')} → ${item.nextDepartment}${item.productName ? ` · ${item.productName}` : ''}`;
  $('result-why').textContent = item.exception ? `${item.exception.message} ${item.explanation.en}` : item.explanation.en;
}

function upsertItem(item: ItemView, fresh: boolean): void {
  items.set(item.id, item);
  const existing = tbody.querySelector(`tr[data-id="${CSS.escape(item.id)}"]`);
  const row = rowFor(item);
  if (existing) existing.replaceWith(row);
  else tbody.prepend(row);
  while (tbody.rows.length > 200) tbody.deleteRow(tbody.rows.length - 1);
  if (fresh) showResult(item);
}

function renderDevices(): void {
  const el = $('devices');
  el.replaceChildren(
    ...[...devices.values()].map((d) => {
      const good = d.status === 'reading' || d.status === 'connected';
      const span = text('span', `${d.id}: ${d.status}`, `pill ${good ? 'good' : d.status === 'connecting' ? 'warn' : 'bad'}`);
      if (d.hint) span.title = d.hint;
      return span;
    }),
  );
}

function renderSync(s: SyncView): void {
  const el = $('sync');
  el.className = `pill ${s.connected ? (s.outboxDepth === 0 ? 'good' : 'warn') : 'bad'}`;
  el.textContent = `${s.connected ? 'HQ link up' : 'HQ link down'} · outbox ${s.outboxDepth}`;
}

function handle(msg: LiveMessage): void {
  switch (msg.type) {
    case 'hello':
      applySettings(msg.settings);
      tbody.replaceChildren();
      for (const it of [...msg.items].reverse()) upsertItem(it, false);
      for (const d of msg.devices) devices.set(d.id, d);
      renderDevices();
      renderSync(msg.sync);
      break;
    case 'item':
      upsertItem(msg.item, true);
      break;
    case 'item-sync': {
      const it = items.get(msg.id);
      if (it) upsertItem({ ...it, sync: msg.sync }, false);
      break;
    }
    case 'device':
      devices.set(msg.device.id, msg.device);
      renderDevices();
      break;
    case 'sync':
      renderSync(msg.sync);
      break;
    case 'scan-rejected':
      $('scan-error').textContent = `${msg.raw}: ${msg.error.message}`;
      break;
  }
}

function connect(delayMs = 500): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
  const conn = $('conn');
  ws.onopen = () => {
    conn.textContent = 'live';
    conn.className = 'pill good';
  };
  ws.onmessage = (ev) => handle(JSON.parse(String(ev.data)) as LiveMessage);
  ws.onclose = () => {
    conn.textContent = 'reconnecting…';
    conn.className = 'pill bad';
    setTimeout(() => connect(Math.min(delayMs * 2, 5000)), delayMs);
  };
}

async function submitScan(code: string, extra: Record<string, string>): Promise<void> {
  const errEl = $('scan-error');
  errEl.textContent = '';
  try {
    const res = await fetch('/api/scans', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, ...extra, idempotencyKey: crypto.randomUUID() }),
    });
    const body = (await res.json()) as ScanResponse;
    if (!body.ok) errEl.textContent = `${code}: ${body.error.message}`;
  } catch {
    errEl.textContent = 'The station did not answer; the scan was not stored. Scan again.';
  }
}

function currentAnswers(): Record<string, string> {
  return { reason: $<HTMLSelectElement>('scan-reason').value, grade: $<HTMLSelectElement>('scan-grade').value };
}

let detachWedge: (() => void) | undefined;
let wedgeLayout: UiSettings['scannerLayout'] | undefined;

/** Scanner input is captured at window level, so a scan works whatever has focus (or nothing). */
function applySettings(s: UiSettings): void {
  $('station-name').textContent = `${s.site} / ${s.station}`;
  if (wedgeLayout === s.scannerLayout) return;
  detachWedge?.();
  wedgeLayout = s.scannerLayout;
  detachWedge = attachWedge(window, { layout: s.scannerLayout }, (scan: WedgeScan) => {
    const input = $<HTMLInputElement>('scan-code');
    // The first key of a burst may have reached a focused field before it was recognised as a scan.
    if (scan.leakedChars && document.activeElement === input) input.value = input.value.slice(0, -scan.leakedChars);
    void submitScan(scan.text, { ...currentAnswers(), ...(scan.symbology ? { symbology: scan.symbology } : {}) });
  });
}

$('scan-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $<HTMLInputElement>('scan-code');
  const code = input.value.trim();
  if (!code) return;
  input.value = '';
  void submitScan(code, currentAnswers());
});

connect();
