/**
 * The operator screen: one glance says where the item goes. Scans arrive from the window-level wedge capture or the
 * camera; the only taps are grading answers, "why?", undo, the camera switch and the customer note (with its in-app
 * keyboard, BUG-57) — all big targets.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CaseView, GradingQuestion } from '../../server/api/workflow-types.js';
import { cameraRunning, setScanHandler, startCamera, stopCameraScanner } from '../capture.js';
import { NoteField } from '../components/note.js';
import { lang, t, tx } from '../i18n.js';
import { TapGuard, tapOf, useActionKeys, useShownAt } from '../action-keys.js';
import { answer, closeCase, undoGrade } from '../actions.js';
import { camera, discardDrafts, drafts, isLegacy, openCase, result, retryDrafts, screen, settings, submitScan, UNDO_WINDOW_MS, type ResultView } from '../state.js';
import { useStore } from '../store.js';
import { myWorkload, NUDGE_SNOOZE_MS, nudgeSnoozedUntil } from '../workload.js';

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

function Nudge() {
  useStore(lang);
  const wl = useStore(myWorkload);
  const snoozed = useStore(nudgeSnoozedUntil);
  const now = useNow(30_000);
  if (!wl?.nudge || now < snoozed) return null;
  // Advice, never a lock: a banner above the work with one tap to put it away.
  return html`<div class="nudge" role="status" data-testid="nudge">
    <span class="nudge-icon">☕</span><span class="nudge-text">${tx(wl.nudge)}</span>
    <button onClick=${() => nudgeSnoozedUntil.set(Date.now() + NUDGE_SNOOZE_MS)}>${t('nudgeOk')}</button>
  </div>`;
}

/** Scans the station could not store yet (BUG-52: its database was busy): kept here, one tap sends them again. */
function Drafts() {
  useStore(lang);
  const list = useStore(drafts);
  const [sending, setSending] = useState(false);
  if (list.length === 0) return null;
  return html`<section class="drafts" role="status" data-testid="drafts" data-count=${list.length}>
    <span class="drafts-text">${t('draftsKept', { n: list.length })}</span>
    <span class="drafts-codes">${list.map((d) => html`<span class="pill neutral" data-draft=${d.input.code}>${d.input.code}</span>`)}</span>
    <button class="big" data-testid="retry-drafts" disabled=${sending} onClick=${() => {
      setSending(true);
      void retryDrafts().finally(() => setSending(false));
    }}>${t('tryAgain')}</button>
    <button data-testid="discard-drafts" onClick=${() => discardDrafts()}>${t('discard')}</button>
  </section>`;
}

/** One guard for every grading button of the screen: the next question must not catch a double tap's second half. */
const gradingTaps = new TapGuard();

function ResultPanel(props: { r: ResultView | null; lastQuestion: GradingQuestion | null }) {
  const { r } = props;
  const keys = useActionKeys();
  const [why, setWhy] = useState(false);
  const [undoing, setUndoing] = useState(false);
  const now = useNow(500);
  useEffect(() => {
    setWhy(false);
    setUndoing(false);
  }, [r?.at]);
  if (!r) return html`<section class="result idle" id="result"><div class="bin" id="result-bin">—</div><div class="what">${tx(screen.get()?.prompt) || t('scanPrompt')}</div></section>`;
  const cls = r.tone === 'refused' ? 'd-refused' : r.tone === 'info' ? 'd-info' : r.tone === 'done' ? 'd-done' : `d-${r.disposition ?? 'info'}`;
  const undoLeft = r.undoUntil && r.itemId && props.lastQuestion && !isLegacy() ? Math.ceil((r.undoUntil - now) / 1000) : 0;
  return html`<section class=${`result ${cls} tone-${r.tone}`} id="result" aria-live="assertive" data-tone=${r.tone} data-disposition=${r.disposition ?? ''}>
    ${r.big ? html`<div class="bin" id="result-bin">${r.big}</div>` : null}
    <div class="what" id="result-what">${tx(r.title)}</div>
    ${r.code === 'NOTHING_RETURNABLE'
      ? html`<div class="blocked" data-testid="blocked">${t('returnBlocked')}</div>`
      : r.hint ? html`<div class="hint">${r.hint}</div>` : null}
    ${r.links?.length
      ? html`<div class="links" data-testid="links">${r.code === 'NOTHING_RETURNABLE' ? html`<span class="links-label">${t('earlierReturns')}</span>` : null}${r.links.map(
          (l) => html`<span class="link" data-link-kind=${l.kind} data-link-id=${l.id}>${l.label}</span>`,
        )}</div>`
      : null}
    <div class="result-actions">
      ${r.explanation ? html`<button class="why" data-testid="why" onClick=${() => setWhy(!why)}>${why ? t('hideWhy') : t('why')}</button>` : null}
      ${undoLeft > 0 && !undoing ? html`<button class="undo" data-testid="undo" onClick=${() => setUndoing(true)}>${t('undo', { s: undoLeft })}</button>` : null}
    </div>
    ${why && r.explanation ? html`<div class="why-text" id="result-why" data-testid="why-text">${tx(r.explanation)}</div>` : null}
    ${undoing && props.lastQuestion && r.itemId
      ? html`<div class="undo-panel"><div class="q">${t('undoTitle')}</div>
          <div class="answers">${props.lastQuestion.answers.map(
            (a) => html`<button class="answer" data-answer=${a.value} onClick=${() => {
              setUndoing(false);
              // One correction per result shown and answer chosen: a double tap corrects once.
              void undoGrade(r.itemId as string, { [props.lastQuestion?.fact ?? 'grade']: a.value }, t('undoReason', { s: Math.round(UNDO_WINDOW_MS / 1000) }), keys.key(`undo/${r.at}/${r.itemId ?? ''}/${a.value}`));
            }}>${tx(a.label)}</button>`,
          )}<button class="answer cancel" onClick=${() => setUndoing(false)}>${t('cancel')}</button></div></div>`
      : null}
  </section>`;
}

/**
 * One grading question as shown: mounted per item and question, so its keys (one per answer) are this presentation's
 * (BUG-66). A double tap sends the same answer with the same key twice; the station stores it once.
 */
function Grading(props: { itemId: string; q: GradingQuestion; onAnswer: (q: GradingQuestion) => void }) {
  const { itemId, q } = props;
  const keys = useActionKeys();
  const shownAt = useShownAt();
  return html`<section class="task grading" data-testid="grading" data-question=${q.id}>
    <div class="q">${tx(q.text)}</div>
    <div class="answers">${q.answers.map(
      (a) => html`<button class="answer" data-answer=${a.value} onClick=${(e: MouseEvent) => {
        if (!gradingTaps.accept(shownAt, tapOf(e))) return;
        props.onAnswer(q);
        void answer(itemId, q.id, a.value, keys.key(a.value));
      }}>${tx(a.label)}</button>`,
    )}</div>
  </section>`;
}

function Task() {
  const s = useStore(screen);
  const [lastQ, setLastQ] = useState<GradingQuestion | null>(null);
  const r = useStore(result);
  const c = useStore(openCase);
  if (!s) return html`<${ResultPanel} r=${r} lastQuestion=${null} />`;
  let task = null;
  if (s.awaiting === 'grading' && s.question && s.pendingItemId) {
    task = html`<${Grading} key=${`${s.pendingItemId}/${s.question.id}`} itemId=${s.pendingItemId} q=${s.question} onAnswer=${setLastQ} />`;
  } else if (s.awaiting === 'bin' && s.expectedBin) {
    task = html`<section class="task scan-bin" data-testid="await-bin"><span class="scan-icon">⌖</span>${t('scanBin', { bin: s.expectedBin.bin, label: s.expectedBin.labels[0] ?? s.expectedBin.bin })}</section>`;
  } else if (s.awaiting === 'tote' && s.selectedBin) {
    task = html`<section class="task" data-testid="await-tote"><span class="scan-icon">⌖</span>${t('scanTote', { bin: s.selectedBin })}</section>`;
  } else if (s.awaiting === 'receiver' && s.selectedTote) {
    task = html`<section class="task" data-testid="await-receiver"><span class="scan-icon">⌖</span>${t('scanReceiver', { tote: s.selectedTote })}</section>`;
  }
  // The note is for the item in hand: the one the screen waits on, else the one just shown, else the newest.
  const items = c?.items ?? [];
  const currentId = s.pendingItemId ?? r?.itemId;
  const current = items.find((i) => i.itemId === currentId) ?? items[items.length - 1];
  return html`<div class="work">
    <div class="prompt" data-testid="prompt" data-awaiting=${s.awaiting}>${tx(s.prompt)}</div>
    <${ResultPanel} r=${r} lastQuestion=${lastQ} />
    ${task}
    ${current ? html`<${NoteField} item=${current} />` : null}
  </div>`;
}

/**
 * "Complete return" (BUG-60 flow): closes the open case, so what it returned counts as returned and the same RMA or
 * order scanned again is blocked. The item in hand comes first: its questions and its bin scan.
 */
const EMPTY_CONFIRM = { en: 'The parcel was empty: complete the return', 'zh-CN': '包裹是空的：完成退货' };

function CompleteReturn(props: { c: CaseView }) {
  const { c } = props;
  const s = useStore(screen);
  const keys = useActionKeys();
  const r = useStore(result);
  const busy = s?.awaiting === 'grading' || s?.awaiting === 'bin';
  // RETURN_EMPTY: nothing was scanned for this return; completing it needs a second, explicit tap.
  const askEmpty = r?.code === 'RETURN_EMPTY' && c.items.length === 0;
  return html`<div class="complete">
    <button class="big complete-return" data-testid="complete-return" disabled=${busy} onClick=${() => void closeCase(c.id, keys.key(`close/${c.id}`))}>${t('completeReturn')}</button>
    ${askEmpty ? html`<button class="big complete-empty" data-testid="complete-empty" onClick=${() => void closeCase(c.id, keys.key(`close-empty/${c.id}`), true)}>${tx(EMPTY_CONFIRM)}</button>` : null}
    ${busy ? html`<p class="muted small" data-testid="complete-after">${t('completeAfterItem')}</p>` : null}
  </div>`;
}

function CaseList() {
  const c = useStore(openCase);
  const items = c?.items ?? [];
  const ref = c?.rma ?? c?.orderNo;
  // Tapping the list must not focus anything (BUG-57): plain elements, no inputs.
  return html`<aside class="case" data-testid="case" data-case=${c?.id ?? ''} data-status=${c?.status ?? ''}>
    <h2>${t('itemsInCase')}${ref ? ` · ${ref}` : ''}</h2>
    ${items.length === 0
      ? html`<p class="muted">${t('noItems')}</p>`
      : html`<ul>${[...items].reverse().map(
          (it) => html`<li class=${`state-${it.state}`}><span class="nm">${it.productName ?? it.gtin ?? it.raw}</span><span class="bn">${it.bin ?? it.decision?.bin ?? ''}</span><span class="st">${it.state}</span></li>`,
        )}</ul>`}
    ${c?.status === 'open' && !isLegacy() ? html`<${CompleteReturn} key=${c.id} c=${c} />` : null}
  </aside>`;
}

function CameraBox() {
  const cam = useStore(camera);
  const video = useRef<HTMLVideoElement>(null);
  const running = cameraRunning() || cam.state === 'running' || cam.state === 'starting';
  return html`<div class="camera-box">
    <button class="camera-btn" data-testid="camera" onClick=${() => {
      if (running) stopCameraScanner();
      else if (video.current) void startCamera(video.current);
    }}>${running ? t('cameraStop') : t('cameraStart')}</button>
    <video ref=${video} class=${running ? 'on' : 'off'} muted playsinline></video>
    ${cam.state === 'no-camera' ? html`<div class="cam-msg">${cam.message}</div>` : null}
  </div>`;
}

function SignIn() {
  const st = useStore(settings);
  // One sign-in per badge button while this screen is shown: a double tap must not sign in and then out again.
  const keys = useActionKeys();
  const demo = st?.demoBadges ?? [];
  return html`<section class="signin" data-testid="signin">
    <div class="badge-icon">▭</div>
    <h1>${t('signInTitle')}</h1>
    <p>${t('signInHint')}</p>
    ${demo.length
      ? html`<div class="demo-badges" data-testid="demo-badges">
          <p>${t('demoSignIn')}</p>
          ${demo.map((b) => html`<button class="big" onClick=${() => void submitScan({ code: b.badge, source: 'keyboard' }, keys.key(b.badge))}>${b.name} (${b.badge})</button>`)}
        </div>`
      : null}
    <${ResultPanelSmall} />
  </section>`;
}

function ResultPanelSmall() {
  const r = useStore(result);
  if (!r || r.tone !== 'refused') return null;
  return html`<div class="signin-error" role="alert">${tx(r.title)}</div>`;
}

export function OperatorScreen() {
  useStore(lang);
  const s = useStore(screen);
  useEffect(() => {
    setScanHandler((scan) => void submitScan(scan));
  }, []);
  const signedIn = isLegacy() || (s?.operator !== undefined && s.awaiting !== 'sign_in');
  return html`<main class="operator">
    <${Nudge} />
    <${Drafts} />
    ${signedIn ? html`<div class="op-grid"><${Task} /><div class="side"><${CaseList} /><${CameraBox} /></div></div>` : html`<${SignIn} />`}
  </main>`;
}
