/**
 * The in-app on-screen keyboard (BUG-57). The kiosk's note field has `inputmode="none"`, so the OS touch keyboard
 * never opens (on Windows tablet mode it opened and closed at once, or not at all); this one types into the field
 * instead. Its keys act on pointerdown and cancel the press, so a tap never moves focus off the field: the field
 * stays focused, and the keyboard stays open, for as long as the operator writes.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { lang, t } from '../i18n.js';
import { useStore } from '../store.js';

export type KeyPress = { kind: 'char'; ch: string } | { kind: 'backspace' } | { kind: 'enter' } | { kind: 'close' };

const ROWS = ['1234567890', 'qwertyuiop', "asdfghjkl'", 'zxcvbnm,.-'];

/** A press anywhere on the keyboard (keys or the gaps between them) must not take focus from the field. */
const hold = (e: Event): void => e.preventDefault();

export function OnScreenKeyboard(props: { onKey: (k: KeyPress) => void; enterLabel: string }) {
  useStore(lang);
  const [shift, setShift] = useState(false);
  const press = (k: KeyPress | 'shift') => (e: PointerEvent): void => {
    e.preventDefault();
    // Only the primary button / a finger or pen; a right click is no key press.
    if (e.button > 0) return;
    if (k === 'shift') {
      setShift(!shift);
      return;
    }
    props.onKey(k.kind === 'char' && shift ? { kind: 'char', ch: k.ch.toUpperCase() } : k);
    if (k.kind === 'char') setShift(false);
  };
  const key = (label: string, k: KeyPress | 'shift', cls = '', dataKey = label, aria?: string) =>
    html`<button type="button" tabindex="-1" class=${`osk-key ${cls}`} data-key=${dataKey} aria-label=${aria ?? label} onPointerDown=${press(k)} onMouseDown=${hold} onTouchStart=${hold}>${label}</button>`;
  return html`<div class="osk" role="group" aria-label=${t('keyboard')} data-testid="osk" onPointerDown=${hold} onMouseDown=${hold} onTouchStart=${hold}>
    ${ROWS.map(
      (row, i) => html`<div class="osk-row">
        ${i === 3 ? key('⇧', 'shift', `wide action${shift ? ' on' : ''}`, 'shift', t('keyShift')) : null}
        ${[...row].map((ch) => {
          const shown = shift ? ch.toUpperCase() : ch;
          return key(shown, { kind: 'char', ch }, '', ch);
        })}
        ${i === 0 ? key('⌫', { kind: 'backspace' }, 'wide action', 'backspace', t('keyBackspace')) : null}
      </div>`,
    )}
    <div class="osk-row">
      ${key(t('keyClose'), { kind: 'close' }, 'wide action', 'close')}
      ${key(t('keySpace'), { kind: 'char', ch: ' ' }, 'space', 'space')}
      ${key(props.enterLabel, { kind: 'enter' }, 'wide enter', 'enter')}
    </div>
  </div>`;
}
