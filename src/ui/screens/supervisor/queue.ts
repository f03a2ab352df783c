/**
 * Live queue and exceptions: counts, escalated handoffs, open exceptions with resolve / override actions. Every
 * action needs a reason (the station audits it and refuses an empty one too).
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ExceptionResolution, ExceptionView, WorkflowOverview, WorkflowScanResponse } from '../../../server/api/workflow-types.js';
import { useActionKeys } from '../../action-keys.js';
import { getJson, postJson } from '../../api.js';
import { t, tx } from '../../i18n.js';
import { SUP_SCREEN } from './session.js';

function errorText(r: { ok: boolean; status: number; body?: unknown; unreachable?: boolean }): string {
  if (r.unreachable) return 'The station is not answering.';
  const b = r.body as WorkflowScanResponse | undefined;
  if (b && b.ok === false) return tx(b.error.text) || b.error.message;
  return `HTTP ${r.status}`;
}

function ExceptionRow(props: { ex: ExceptionView; onDone: () => void }) {
  const { ex } = props;
  const [reason, setReason] = useState('');
  const [msg, setMsg] = useState('');
  // One resolution per exception row, resolution and reason (BUG-66): a double click resolves once.
  const keys = useActionKeys();
  const act = async (resolution: ExceptionResolution): Promise<void> => {
    if (reason.trim().length < 3) {
      setMsg(t('reasonRequired'));
      return;
    }
    const idempotencyKey = keys.key(`${resolution}/${reason.trim()}`);
    const r = await postJson<WorkflowScanResponse>(`/api/workflow/exceptions/${encodeURIComponent(ex.id)}/resolve`, { resolution, reason: reason.trim(), screen: SUP_SCREEN, idempotencyKey });
    if (r.ok && r.body.ok) props.onDone();
    else setMsg(errorText(r));
  };
  return html`<tr data-exception=${ex.id}>
    <td>${new Date(ex.at).toLocaleTimeString()}</td>
    <td><strong>${ex.code}</strong><div class="small">${tx(ex.text)}</div></td>
    <td>${ex.productName ?? ex.gtin ?? ''}${ex.serial ? ` · ${ex.serial}` : ''}</td>
    <td>${ex.rma ?? ex.orderNo ?? ''}</td>
    <td class="actions">
      <input class="reason" placeholder=${t('reason')} value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />
      <button onClick=${() => void act('accept')}>${t('accept')}</button>
      <button onClick=${() => void act('quarantine')}>${t('quarantine')}</button>
      <button onClick=${() => void act('return_to_customer')}>${t('returnToCustomer')}</button>
      ${msg ? html`<div class="error" role="alert">${msg}</div>` : null}
    </td>
  </tr>`;
}

function CaseOverride() {
  const [code, setCode] = useState('');
  const [reason, setReason] = useState('');
  const [msg, setMsg] = useState('');
  // One override per code and reason as filled in (BUG-66); once done, the same form filled again is a new override.
  const keys = useActionKeys();
  const [round, setRound] = useState(0);
  const go = async (): Promise<void> => {
    if (reason.trim().length < 3) {
      setMsg(t('reasonRequired'));
      return;
    }
    const idempotencyKey = keys.key(`${round}/${code.trim()}/${reason.trim()}`);
    const r = await postJson<WorkflowScanResponse>('/api/workflow/cases/override', { code: code.trim(), reason: reason.trim(), screen: SUP_SCREEN, idempotencyKey });
    if (r.ok && r.body.ok && !r.body.duplicate) setRound(round + 1);
    setMsg(r.ok && r.body.ok ? `${t('done')}: ${tx(r.body.message)}` : errorText(r));
  };
  return html`<section class="card"><h3>${t('caseOverride')}</h3>
    <div class="form-row">
      <input placeholder=${t('code')} value=${code} onInput=${(e: Event) => setCode((e.target as HTMLInputElement).value)} />
      <input class="reason" placeholder=${t('reason')} value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />
      <button onClick=${() => void go()}>${t('override')}</button>
    </div>
    ${msg ? html`<div class="msg" role="status">${msg}</div>` : null}
  </section>`;
}

export function QueueTab() {
  const [ov, setOv] = useState<WorkflowOverview | null>(null);
  const [exs, setExs] = useState<ExceptionView[]>([]);
  const [err, setErr] = useState('');
  const load = async (): Promise<void> => {
    const [o, e] = await Promise.all([getJson<WorkflowOverview>('/api/workflow/overview'), getJson<{ exceptions: ExceptionView[] }>('/api/workflow/exceptions?status=open&limit=200')]);
    if (o.ok) setOv(o.body);
    if (e.ok) setExs(e.body.exceptions);
    setErr(!o.ok ? errorText(o) : !e.ok ? errorText(e) : '');
  };
  useEffect(() => {
    void load();
    const id = setInterval(() => void load(), 3000);
    return () => clearInterval(id);
  }, []);
  return html`<div class="tab queue" data-testid="tab-queue">
    ${err ? html`<div class="error">${err}</div>` : null}
    ${ov
      ? html`<div class="kpis">
          <div class="kpi"><b>${ov.openCases}</b>${t('openCases')}</div>
          <div class="kpi"><b>${ov.itemsToday}</b>${t('itemsToday')}</div>
          <div class=${`kpi ${ov.openExceptions > 0 ? 'warn' : ''}`}><b>${ov.openExceptions}</b>${t('openExceptions')}</div>
          <div class="kpi"><b>${ov.handoffs.pending}</b>${t('handoffsPending')}</div>
          <div class=${`kpi ${ov.handoffs.escalated > 0 ? 'bad' : ''}`}><b>${ov.handoffs.escalated}</b>${t('handoffsEscalated')}</div>
        </div>`
      : html`<p>${t('loading')}</p>`}
    <section class="card"><h3>${t('exceptions')}</h3>
      ${exs.length === 0
        ? html`<p class="muted">${t('noExceptions')}</p>`
        : html`<table class="grid"><tbody>${exs.map((ex) => html`<${ExceptionRow} key=${ex.id} ex=${ex} onDone=${() => void load()} />`)}</tbody></table>`}
    </section>
    <${CaseOverride} />
    ${ov?.escalated.length
      ? html`<section class="card"><h3>${t('handoffsEscalated')}</h3><ul>${ov.escalated.map((h) => html`<li>${h.tote} → ${h.department} (${new Date(h.handedAt).toLocaleTimeString()})</li>`)}</ul></section>`
      : null}
  </div>`;
}
