/**
 * Rule sets as the supervisor reads them: decision tables, golden-case results, a replay of a candidate over the
 * station's own history (what would change), and activation with a reason.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ActivateResponse, ReplayResponse, RulesResponse, RuleSetView } from '../../../server/routes/supervisor-types.js';
import { getJson, postJson } from '../../api.js';
import { lang, t } from '../../i18n.js';
import { useStore } from '../../store.js';
import { SUP_SCREEN } from './session.js';

function Tables(props: { rs: RuleSetView }) {
  const l = useStore(lang);
  return html`<div class="rule-tables">${props.rs.tables.map(
    (tb) => html`<section class="card" data-table=${tb.id}>
      <h3>${tb.id} <span class="muted">(${tb.hitPolicy})</span></h3>
      <div class="scroll"><table class="grid rules">
        <thead><tr><th>#</th>${tb.inputs.map((i) => html`<th>${props.rs.facts.find((f) => f.name === i)?.label[l] ?? i}</th>`)}${tb.outputs.map((o) => html`<th class="out">→ ${o}</th>`)}<th></th></tr></thead>
        <tbody>${tb.rows.map(
          (r) => html`<tr><td>${r.id ?? r.row}</td>${tb.inputs.map((i) => html`<td class=${r.when[i] === '-' ? 'any' : ''}>${r.when[i]}</td>`)}${tb.outputs.map((o) => html`<td class="out">${r.then[o]}</td>`)}<td class="small">${r.explain[l]}</td></tr>`,
        )}</tbody>
      </table></div>
    </section>`,
  )}</div>`;
}

export function RulesTab() {
  useStore(lang);
  const [data, setData] = useState<RulesResponse | null>(null);
  const [err, setErr] = useState('');
  const [text, setText] = useState('');
  const [since, setSince] = useState('30d');
  const [rep, setRep] = useState<ReplayResponse | null>(null);
  const [reason, setReason] = useState('');
  const [actMsg, setActMsg] = useState('');
  const load = async (): Promise<void> => {
    const r = await getJson<RulesResponse>('/api/supervisor/rules');
    if (r.ok) setData(r.body);
    else setErr(`${t('error')}: HTTP ${r.status}`);
  };
  useEffect(() => void load(), []);
  const doReplay = async (): Promise<void> => {
    const r = await postJson<ReplayResponse>('/api/supervisor/rules/replay', { text, since }, 60_000);
    setRep(r.ok ? r.body : { ok: false, errors: [{ code: 'HTTP', message: (r.body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${r.status}` }] });
  };
  const doActivate = async (): Promise<void> => {
    if (reason.trim().length < 3) {
      setActMsg(t('reasonRequired'));
      return;
    }
    const r = await postJson<ActivateResponse>('/api/supervisor/rules/activate', { text, reason: reason.trim(), screen: SUP_SCREEN });
    const b = r.body as ActivateResponse | undefined;
    setActMsg(b?.ok ? `${t('accepted')}: ${b.record.ruleSet.id} ${b.record.ruleSet.version}` : b ? `${t('refused')}: ${b.errors.map((e) => e.message).join('; ')}` : `HTTP ${r.status}`);
    await load();
  };
  if (!data) return html`<div class="tab">${err || t('loading')}</div>`;
  const g = data.golden;
  return html`<div class="tab rules" data-testid="tab-rules">
    <section class="card">
      <h3>${t('activeRules')}: ${data.active.title} <code>${data.active.ref.id} ${data.active.ref.version}</code> <code class="muted">${data.active.ref.hash.slice(0, 12)}</code></h3>
      <div class=${`golden ${g.failed.length ? 'bad' : 'good'}`} data-testid="golden">${t('golden', { p: g.passed, t: g.total })}</div>
      ${g.failed.map((f) => html`<div class="error">${f.name}: ${f.mismatches.join('; ')}</div>`)}
    </section>
    <${Tables} rs=${data.active} />
    <section class="card">
      <h3>${t('candidate')}</h3>
      <textarea class="candidate" rows="8" value=${text} onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea>
      <div class="form-row">
        <label>${t('since')} <select value=${since} onChange=${(e: Event) => setSince((e.target as HTMLSelectElement).value)}>
          ${['1d', '7d', '30d', '90d', '365d'].map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
        <button data-testid="replay-btn" onClick=${() => void doReplay()} disabled=${!text}>${t('replay')}</button>
        <input class="reason" placeholder=${t('reason')} value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />
        <button data-testid="activate-btn" onClick=${() => void doActivate()} disabled=${!text}>${t('activate')}</button>
      </div>
      ${actMsg ? html`<div class="msg" role="status" data-testid="activate-msg">${actMsg}</div>` : null}
      ${rep && !rep.ok ? html`<div class="error">${rep.errors.map((e) => html`<div>${e.code}: ${e.message}${e.table ? ` (${e.table}${e.row ? ` row ${e.row}` : ''}${e.column ? `, ${e.column}` : ''})` : ''}</div>`)}</div>` : null}
      ${rep?.ok
        ? html`<div data-testid="replay">
            <div class=${`golden ${rep.golden.failed.length ? 'bad' : 'good'}`}>${t('golden', { p: rep.golden.passed, t: rep.golden.total })}</div>
            <p>${t('replayResult', { total: rep.replay.total, changed: rep.replay.changed, bin: rep.replay.binChanged, fb: rep.replay.fallbacks })}</p>
            <table class="grid"><thead><tr><th>${t('from')}</th><th>${t('to')}</th><th>${t('count')}</th></tr></thead>
              <tbody>${rep.replay.transitions.map((x) => html`<tr class=${x.from === x.to ? 'same' : 'changed'}><td>${x.from}</td><td>${x.to}</td><td>${x.count}</td></tr>`)}</tbody></table>
          </div>`
        : null}
    </section>
    <section class="card"><h3>${t('history')}</h3>
      <table class="grid"><tbody>${data.history.map((h) => html`<tr><td>${new Date(h.at).toLocaleString()}</td><td>${h.ruleSet.id} ${h.ruleSet.version}</td><td class=${h.accepted ? 'ok' : 'bad'}>${h.accepted ? t('accepted') : t('refused')}</td><td>${h.source ?? ''}</td><td>${h.by ?? ''}</td><td>${h.reason ?? ''}</td></tr>`)}</tbody></table>
    </section>
  </div>`;
}
