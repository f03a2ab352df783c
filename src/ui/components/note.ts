/**
 * The customer note of the current item (BUG-57). A real text field, but with `inputmode="none"`: tapping it opens
 * the in-app keyboard below it, not the OS one. Nothing on the screen ever calls focus(), so the field keeps focus
 * until the operator closes the keyboard, saves, or taps elsewhere; with the field not focused, wedge scans go to
 * the window-level capture as always (capture.ts).
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { NOTE_MAX_CHARS, type CaseItemView, type Text } from '../../server/api/workflow-types.js';
import { lang, t, tx } from '../i18n.js';
import { useActionKeys } from '../action-keys.js';
import { saveNote } from '../actions.js';
import { useStore } from '../store.js';
import { OnScreenKeyboard, type KeyPress } from './keyboard.js';

export function NoteField(props: { item: CaseItemView }) {
  useStore(lang);
  const { item } = props;
  const input = useRef<HTMLInputElement>(null);
  const shownFor = useRef<string | undefined>(undefined);
  const [open, setOpen] = useState(false);
  const [dirty, setDirty] = useState(false);
  // One save per text as typed (BUG-66): Save tapped twice, or Enter and Save, store it once; an edit makes it new.
  const keys = useActionKeys();
  // Kept as data, not text: a language switch re-words it.
  const [status, setStatus] = useState<{ ok: true } | { ok: false; why: Text } | null>(null);
  const stored = item.customerNote?.text ?? '';

  // The field is uncontrolled: keys and the wedge capture edit the DOM value, and a re-render must never put back
  // an older text. Another item: its stored note (an unsaved draft belongs to the item it was typed for, not this
  // one). The same item: the stored note, unless the operator is in the middle of changing it.
  useEffect(() => {
    const el = input.current;
    if (!el) return;
    if (shownFor.current !== item.itemId) {
      shownFor.current = item.itemId;
      keys.forget();
      el.value = stored;
      setDirty(false);
      setStatus(null);
    } else if (!dirty) el.value = stored;
  }, [item.itemId, stored, dirty]);

  const edited = (): void => {
    keys.forget();
    setDirty(true);
    setStatus(null);
  };

  const save = async (): Promise<void> => {
    const el = input.current;
    if (!el) return;
    const itemId = item.itemId;
    el.blur();
    const r = await saveNote(itemId, el.value, keys.key(`note/${itemId}`));
    if (shownFor.current !== itemId) return;
    if (r.ok) {
      setDirty(false);
      setStatus({ ok: true });
    } else setStatus({ ok: false, why: r.why });
  };

  const onKey = (k: KeyPress): void => {
    const el = input.current;
    if (!el) return;
    if (k.kind === 'close') {
      el.blur();
      return;
    }
    if (k.kind === 'enter') {
      void save();
      return;
    }
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    if (k.kind === 'backspace') {
      if (start !== end) el.setRangeText('', start, end, 'end');
      else if (start > 0) el.setRangeText('', start - 1, start, 'end');
    } else {
      // setRangeText ignores maxlength: the limit is kept here.
      if (el.value.length - (end - start) + k.ch.length > NOTE_MAX_CHARS) return;
      el.setRangeText(k.ch, start, end, 'end');
    }
    edited();
  };

  const name = item.productName ?? item.gtin ?? item.raw;
  return html`<section class="note" data-testid="note-box" data-item=${item.itemId}>
    <label class="note-label" for="customer-note">${t('noteFor', { item: name })}</label>
    <div class="note-row">
      <input
        id="customer-note"
        class="note-input"
        data-testid="note"
        type="text"
        inputmode="none"
        autocomplete="off"
        spellcheck=${false}
        maxLength=${NOTE_MAX_CHARS}
        placeholder=${t('notePlaceholder')}
        ref=${input}
        onFocus=${() => setOpen(true)}
        onBlur=${() => setOpen(false)}
        onInput=${edited}
      />
      ${dirty ? html`<button type="button" class="note-save" data-testid="note-save" onClick=${() => void save()}>${t('noteSave')}</button>` : null}
    </div>
    ${status ? html`<div class=${`note-status ${status.ok ? 'ok' : 'bad'}`} data-testid="note-status" role="status">${status.ok ? t('noteSaved') : t('noteNotSaved', { why: tx(status.why) })}</div>` : null}
    ${open ? html`<${OnScreenKeyboard} onKey=${onKey} enterLabel=${t('noteSave')} />` : null}
  </section>`;
}
