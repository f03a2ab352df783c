/**
 * Keyboard-wedge capture: turns the keydown stream of a scanner that types like a keyboard into scan events.
 * Browser-safe (no Node imports): the operator screen imports this module directly.
 *
 * Decisions, each from a field failure:
 * - characters come from `code` + Shift through the *scanner's* layout, never from `key` (BUG-13, BUG-15);
 * - a scan is a burst with every inter-key gap <= maxInterKeyMs and at least minLength characters (BUG-16);
 * - a burst broken by a pause is dropped whole, including the rest of it after the pause (BUG-16 d);
 * - terminators are consumed, and a second terminator right after a scan (CR+LF) too (BUG-18);
 * - the GS1 separator arrives as Ctrl+], Alt+0029 on the keypad or a configured text, and becomes 0x1D (BUG-19).
 */
import { charFor, type LayoutId } from './layouts.js';

export interface WedgeOptions {
  layout: LayoutId;
  minLength?: number;
  maxInterKeyMs?: number;
  /** When set, a burst idle this long is a complete scan (scanners programmed without a terminator). */
  idleTimeoutMs?: number;
  prefix?: string;
  suffix?: string;
  gsReplacement?: string;
  /** A terminator this soon after a scan is its CR+LF partner: consumed, no event. Default 50 ms. */
  terminatorGraceMs?: number;
  /** After a burst of >= minLength chars breaks off, a resumed burst within this window is its tail. Default 500 ms. */
  resumeWindowMs?: number;
  /** Called for operator-visible oddities, e.g. LAYOUT_MISMATCH (once per decoder). */
  onWarn?: (code: string, message: string) => void;
  /**
   * Called with the characters a short burst in a focused field took from it (all but the first, which was left to
   * the field) once the burst turns out to be fast typing, not a scan: the caller puts them back (BUG-16). Called
   * synchronously from handleKey, before the key that ended the burst has its default action.
   */
  onRelease?: (text: string) => void;
}

/**
 * The wedge part of `scanner` in station.yaml as the page receives it (UiSettings.scanner). Plain data, so the
 * server can send it as JSON; wedgeOptionsFrom turns it into decoder options.
 */
export interface WedgeConfig {
  layout: LayoutId;
  prefix?: string;
  suffix?: string;
  gsReplacement?: string;
  /** 'auto': CR, LF, CR+LF or Tab end a scan. 'none': the scanner sends no terminator, silence ends it. */
  terminator: 'auto' | 'none';
  /** With terminator 'none': this much silence after the last key ends the scan. */
  idleTimeoutMs: number;
  minLength: number;
  maxInterKeyMs: number;
}

export function wedgeOptionsFrom(c: WedgeConfig): WedgeOptions {
  return {
    layout: c.layout,
    minLength: c.minLength,
    maxInterKeyMs: c.maxInterKeyMs,
    ...(c.terminator === 'none' ? { idleTimeoutMs: c.idleTimeoutMs } : {}),
    ...(c.prefix !== undefined ? { prefix: c.prefix } : {}),
    ...(c.suffix !== undefined ? { suffix: c.suffix } : {}),
    ...(c.gsReplacement !== undefined ? { gsReplacement: c.gsReplacement } : {}),
  };
}

export interface WedgeScan {
  text: string /* with \x1d for GS */;
  symbology?: string /* AIM id like ]C1 */;
  at: number;
  /** Leading characters that reached a focused field before the burst was recognised (0 or 1). */
  leakedChars?: number;
}

export interface WedgeKey {
  code: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  timeStamp: number;
  key?: string;
  /** True when focus is in an editable field: the first key of a burst is then left to the field. */
  editableTarget?: boolean;
}

/** Characters that can go back into a text field (not GS or other control characters from Ctrl/Alt codes). */
const printable = (c: string): boolean => c.length === 1 && c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f;

const MODIFIERS = new Set([
  'ShiftLeft', 'ShiftRight', 'ControlLeft', 'ControlRight', 'AltLeft', 'AltRight', 'MetaLeft', 'MetaRight', 'CapsLock', 'NumLock', 'AltGraph',
]);
const GS = '\x1d';

type KeyKind = { kind: 'char'; ch: string } | { kind: 'alt-digit'; digit: string } | { kind: 'terminator' } | { kind: 'other' };

export class WedgeDecoder {
  private readonly opts: Required<Omit<WedgeOptions, 'idleTimeoutMs' | 'prefix' | 'suffix' | 'gsReplacement' | 'onWarn' | 'onRelease'>> & WedgeOptions;
  private readonly listeners = new Set<(s: WedgeScan) => void>();
  private buf: string[] = [];
  /** What the host layout typed for the same keys (`key`): what a field would have shown, for onRelease. */
  private typed: string[] = [];
  private firstAt = 0;
  private lastAt = 0;
  private leaked = 0;
  private altDigits: string | null = null;
  /** Time of the last key of a broken burst; keys resuming within resumeWindowMs are dropped. */
  private taintAt: number | null = null;
  private lastScanEndAt: number | null = null;
  private warnedMismatch = false;

  constructor(opts: WedgeOptions) {
    this.opts = { minLength: 4, maxInterKeyMs: 30, terminatorGraceMs: 50, resumeWindowMs: 500, ...opts };
  }

  onScan(cb: (s: WedgeScan) => void): () => void {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  /** Feed one keydown; true if it was consumed as part of a scan (the caller then calls preventDefault()). */
  handleKey(ev: WedgeKey): boolean {
    const now = ev.timeStamp;
    if (MODIFIERS.has(ev.code)) return this.buf.length > 0 || this.altDigits !== null || this.isTainted(now);
    if (this.altDigits !== null && !ev.altKey) this.finishAltCode();

    // A terminator right after a scan is the LF of CR+LF (or a doubled Enter): swallow it.
    const kind = this.classify(ev);
    if (kind.kind === 'terminator' && this.buf.length === 0 && this.lastScanEndAt !== null && now - this.lastScanEndAt <= this.opts.terminatorGraceMs) {
      return true;
    }
    if (this.buf.length > 0 && now - this.lastAt > this.opts.maxInterKeyMs) this.breakBurst(this.lastAt);
    if (this.taintAt !== null && now - this.taintAt > this.opts.resumeWindowMs) this.taintAt = null;

    if (kind.kind === 'other') {
      this.discard();
      return false;
    }
    if (this.taintAt !== null) {
      // The tail of a burst that paused mid-scan: drop it, terminator included, so nothing is booked twice.
      this.taintAt = kind.kind === 'terminator' ? null : now;
      if (kind.kind === 'terminator') this.lastScanEndAt = now;
      return true;
    }
    if (kind.kind === 'terminator') return this.terminate(now);

    if (this.buf.length === 0 && this.altDigits === null) {
      this.firstAt = now;
      this.leaked = ev.editableTarget ? 1 : 0;
    }
    if (kind.kind === 'alt-digit') this.altDigits = (this.altDigits ?? '') + kind.digit;
    else {
      this.buf.push(kind.ch);
      this.typed.push(ev.key !== undefined && ev.key.length === 1 ? ev.key : kind.ch);
      this.checkLayout(ev, kind.ch);
    }
    const first = this.buf.length + (this.altDigits?.length ?? 0) === 1;
    this.lastAt = now;
    return !(first && ev.editableTarget === true);
  }

  /** Keyup matters only for Alt: releasing it completes an Alt+keypad code. */
  handleKeyUp(ev: { code: string }): void {
    if ((ev.code === 'AltLeft' || ev.code === 'AltRight') && this.altDigits !== null) this.finishAltCode();
  }

  /** Call from a timer: completes an idle scan (idleTimeoutMs mode) or discards a stale burst. */
  flush(now: number): void {
    if (this.taintAt !== null && now - this.taintAt > this.opts.resumeWindowMs) this.taintAt = null;
    if (this.buf.length === 0 && this.altDigits === null) return;
    const idle = this.opts.idleTimeoutMs ?? this.opts.maxInterKeyMs;
    if (now - this.lastAt > Math.max(idle, this.opts.maxInterKeyMs)) this.breakBurst(this.lastAt);
  }

  private classify(ev: WedgeKey): KeyKind {
    const { code, ctrlKey: ctrl, altKey: alt, shiftKey: shift } = ev;
    if (!ctrl && !alt && (code === 'Enter' || code === 'NumpadEnter' || code === 'Tab')) return { kind: 'terminator' };
    if (ctrl && !alt && (code === 'KeyM' || code === 'KeyJ')) return { kind: 'terminator' }; // CR, LF as control keys
    if (ctrl && !alt && code === 'BracketRight') return { kind: 'char', ch: GS };
    if (alt && !ctrl && /^Numpad\d$/.test(code)) return { kind: 'alt-digit', digit: code.slice(6) };
    if (ctrl && alt) {
      const ch = charFor(this.opts.layout, code, shift, true); // AltGr arrives as Ctrl+Alt on Windows
      return ch === undefined ? { kind: 'other' } : { kind: 'char', ch };
    }
    if (ctrl || alt) return { kind: 'other' };
    const ch = charFor(this.opts.layout, code, shift);
    return ch === undefined ? { kind: 'other' } : { kind: 'char', ch };
  }

  private finishAltCode(): void {
    const digits = this.altDigits;
    this.altDigits = null;
    if (digits === null || digits === '') return;
    const n = Number.parseInt(digits, 10);
    if (n > 0 && n < 256) this.buf.push(String.fromCharCode(n));
  }

  private terminate(now: number): boolean {
    if (this.altDigits !== null) this.finishAltCode();
    if (this.buf.length < this.opts.minLength) {
      // Not a scan (a typed Enter, or a too-short burst): the key keeps its normal meaning.
      this.discard();
      return false;
    }
    this.emit(now);
    this.lastScanEndAt = now;
    return true;
  }

  private breakBurst(lastAt: number): void {
    if (this.altDigits !== null) this.finishAltCode();
    if (this.opts.idleTimeoutMs !== undefined && this.buf.length >= this.opts.minLength) {
      this.emit(lastAt);
      return;
    }
    if (this.buf.length >= this.opts.minLength) {
      // Long enough to be a scanner that paused: its characters are dropped, never typed into a field (BUG-16 d).
      this.taintAt = lastAt;
      this.reset();
      return;
    }
    this.discard();
  }

  /**
   * End a burst that was not a scan. Below minLength it can only have been typing, so the characters taken from a
   * focused field go back to it; otherwise a fast typist loses every key after the first (BUG-16 b/c).
   */
  private discard(): void {
    // The host layout's characters (`key`), not the scanner layout's: a person typing on AZERTY gets what they typed.
    const back = this.leaked > 0 && this.buf.length < this.opts.minLength ? this.typed.slice(1).filter(printable).join('') : '';
    this.reset();
    if (back !== '') this.opts.onRelease?.(back);
  }

  private emit(at: number): void {
    let text = this.buf.join('');
    const leaked = this.leaked;
    this.reset();
    const scan = shapeScan(text, this.opts);
    if (!scan) return;
    text = scan.text;
    const out: WedgeScan = { text, at, ...(scan.symbology ? { symbology: scan.symbology } : {}), ...(leaked ? { leakedChars: leaked } : {}) };
    for (const cb of [...this.listeners]) cb(out);
  }

  private reset(): void {
    this.buf = [];
    this.typed = [];
    this.altDigits = null;
    this.leaked = 0;
  }

  private isTainted(now: number): boolean {
    return this.taintAt !== null && now - this.taintAt <= this.opts.resumeWindowMs;
  }

  private checkLayout(ev: WedgeKey, ch: string): void {
    if (this.warnedMismatch || ev.key === undefined || ev.key.length !== 1 || ev.key === ch) return;
    // Caps Lock flips only the case of `key`; that is not a layout problem.
    if (ev.key.toLowerCase() === ch.toLowerCase()) return;
    this.warnedMismatch = true;
    const msg = `layout mismatch: scanner layout "${this.opts.layout}" typed "${ch}" but the computer shows "${ev.key}"; using the scanner layout`;
    (this.opts.onWarn ?? ((c: string, m: string) => console.warn(`${c}: ${m}`)))('LAYOUT_MISMATCH', msg);
  }
}

/** Strip configured prefix, AIM symbology id and suffix; turn the configured GS text into 0x1D. Null if empty. */
export function shapeScan(raw: string, opts: Pick<WedgeOptions, 'prefix' | 'suffix' | 'gsReplacement'>): { text: string; symbology?: string } | null {
  let text = raw;
  if (opts.prefix && text.startsWith(opts.prefix)) text = text.slice(opts.prefix.length);
  let symbology: string | undefined;
  const aim = /^\][A-Za-z][0-9A-Za-z]/.exec(text);
  if (aim) {
    symbology = aim[0];
    text = text.slice(3);
  }
  if (opts.suffix && text.endsWith(opts.suffix)) text = text.slice(0, text.length - opts.suffix.length);
  if (opts.gsReplacement) text = text.split(opts.gsReplacement).join(GS);
  // A GS1 symbol starts with FNC1, which some scanners type as a leading GS: it is not data.
  if (symbology !== undefined && text.startsWith(GS)) text = text.slice(1);
  if (text === '') return null;
  return symbology === undefined ? { text } : { text, symbology };
}

/** The onscan.js-style timing rule, kept as a pure function so the public vectors can check it. */
export function isScanTiming(
  input: { chars: string; firstCharTimeMs: number; lastCharTimeMs: number },
  opts: { minLength: number; avgTimeByChar: number },
): { isScan: true } | { isScan: false; error: string } {
  if (input.chars.length < opts.minLength) return { isScan: false, error: 'Received code is shorter than minimal length' };
  if (input.lastCharTimeMs - input.firstCharTimeMs > input.chars.length * opts.avgTimeByChar) {
    return { isScan: false, error: 'Received code was not entered in time' };
  }
  return { isScan: true };
}

function isEditable(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  if (!el || typeof el.tagName !== 'string') return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName.toUpperCase();
  if (tag === 'TEXTAREA') return true;
  if (tag !== 'INPUT') return false;
  return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes((el.type ?? 'text').toLowerCase());
}

/** Window-level capture (no focused field needed); consumed keys, terminators included, get preventDefault(). */
/** Put typed characters back into the focused field at its caret, as the keys themselves would have (BUG-16). */
function insertIntoFocused(doc: Document | undefined, text: string): void {
  const el = doc?.activeElement as (HTMLElement & Partial<Pick<HTMLInputElement, 'value' | 'selectionStart' | 'selectionEnd' | 'setRangeText'>>) | null | undefined;
  if (!el || !isEditable(el)) return;
  // execCommand keeps the field's undo history and fires `input` like typing; it is deprecated but still the only
  // way to do that, so the value setters below are the fallback where it is missing or refused.
  if (typeof doc?.execCommand === 'function' && doc.execCommand('insertText', false, text)) return;
  if (typeof el.setRangeText === 'function' && typeof el.selectionStart === 'number') {
    el.setRangeText(text, el.selectionStart, el.selectionEnd ?? el.selectionStart, 'end');
  } else if (typeof el.value === 'string') {
    el.value += text;
  } else {
    el.textContent = (el.textContent ?? '') + text;
  }
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

export function attachWedge(target: Window, opts: WedgeOptions, onScan: (s: WedgeScan) => void): () => void {
  const decoder = new WedgeDecoder({
    ...opts,
    onRelease: (text) => {
      opts.onRelease?.(text);
      insertIntoFocused(target.document, text);
    },
  });
  const off = decoder.onScan(onScan);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = Math.max(opts.idleTimeoutMs ?? 0, opts.maxInterKeyMs ?? 30) + 5;
  const down = (ev: KeyboardEvent): void => {
    const consumed = decoder.handleKey({
      code: ev.code, shiftKey: ev.shiftKey, ctrlKey: ev.ctrlKey, altKey: ev.altKey, timeStamp: ev.timeStamp, key: ev.key,
      editableTarget: isEditable(ev.target),
    });
    if (consumed) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => decoder.flush(performance.now()), wait);
  };
  const up = (ev: KeyboardEvent): void => decoder.handleKeyUp(ev);
  target.addEventListener('keydown', down, { capture: true });
  target.addEventListener('keyup', up, { capture: true });
  return () => {
    target.removeEventListener('keydown', down, { capture: true });
    target.removeEventListener('keyup', up, { capture: true });
    if (timer !== undefined) clearTimeout(timer);
    off();
  };
}
