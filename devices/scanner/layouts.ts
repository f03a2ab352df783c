/**
 * Keyboard layouts as the *scanner* is programmed to type them. Browser-safe (no Node imports): the wedge decoder
 * in the page and the HID boot-keyboard decoder in Node share these tables.
 *
 * Why tables keyed by `KeyboardEvent.code`: `code` names the physical key (the HID usage the scanner sent), while
 * `key` is what the host OS layout makes of it. A US-programmed scanner on a French PC sends Digit0 for "0", and the
 * OS turns that into "à". Decoding `code` with the scanner's own layout gives back what was printed on the label.
 */
export type LayoutId = 'us' | 'uk' | 'fr' | 'de';

/** [unshifted, shifted, altGr?]; an empty string means the key types nothing useful in that state (dead key). */
export type KeyChars = readonly [string, string, string?];
export type LayoutTable = Readonly<Record<string, KeyChars>>;

const letters = 'abcdefghijklmnopqrstuvwxyz';

function base(): Record<string, KeyChars> {
  const t: Record<string, KeyChars> = {};
  for (const ch of letters) t[`Key${ch.toUpperCase()}`] = [ch, ch.toUpperCase()];
  const usDigits = ')!@#$%^&*(';
  for (let d = 0; d <= 9; d++) t[`Digit${d}`] = [String(d), usDigits[d] ?? ''];
  Object.assign(t, {
    Backquote: ['`', '~'],
    Minus: ['-', '_'],
    Equal: ['=', '+'],
    BracketLeft: ['[', '{'],
    BracketRight: [']', '}'],
    Backslash: ['\\', '|'],
    Semicolon: [';', ':'],
    Quote: ["'", '"'],
    Comma: [',', '<'],
    Period: ['.', '>'],
    Slash: ['/', '?'],
    Space: [' ', ' '],
  } satisfies Record<string, KeyChars>);
  return t;
}

/** Keys whose meaning does not depend on the layout (scanners send Alt codes and digits on the keypad). */
export const NUMPAD: Readonly<Record<string, string>> = {
  Numpad0: '0', Numpad1: '1', Numpad2: '2', Numpad3: '3', Numpad4: '4',
  Numpad5: '5', Numpad6: '6', Numpad7: '7', Numpad8: '8', Numpad9: '9',
  NumpadDecimal: '.', NumpadAdd: '+', NumpadSubtract: '-', NumpadMultiply: '*', NumpadDivide: '/',
};

const us: LayoutTable = base();

const uk: LayoutTable = {
  ...base(),
  Backquote: ['`', '¬', '¦'],
  Digit2: ['2', '"'],
  Digit3: ['3', '£'],
  Digit4: ['4', '$', '€'],
  Quote: ["'", '@'],
  Backslash: ['#', '~'],
  IntlBackslash: ['\\', '|'],
};

const de: LayoutTable = (() => {
  const t = base();
  const shifted = '=!"§$%&/()';
  for (let d = 0; d <= 9; d++) t[`Digit${d}`] = [String(d), shifted[d] ?? ''];
  Object.assign(t, {
    Digit2: ['2', '"', '²'],
    Digit3: ['3', '§', '³'],
    Digit7: ['7', '/', '{'],
    Digit8: ['8', '(', '['],
    Digit9: ['9', ')', ']'],
    Digit0: ['0', '=', '}'],
    KeyQ: ['q', 'Q', '@'],
    KeyE: ['e', 'E', '€'],
    KeyY: ['z', 'Z'],
    KeyZ: ['y', 'Y'],
    Backquote: ['^', '°'],
    Minus: ['ß', '?', '\\'],
    Equal: ['´', '`'],
    BracketLeft: ['ü', 'Ü'],
    BracketRight: ['+', '*', '~'],
    Backslash: ['#', "'"],
    Semicolon: ['ö', 'Ö'],
    Quote: ['ä', 'Ä'],
    Comma: [',', ';'],
    Period: ['.', ':'],
    Slash: ['-', '_'],
    IntlBackslash: ['<', '>', '|'],
  } satisfies Record<string, KeyChars>);
  return t;
})();

const fr: LayoutTable = (() => {
  const t = base();
  // AZERTY: digits need Shift; the unshifted row types symbols and accented letters.
  const row = ['à', '&', 'é', '"', "'", '(', '-', 'è', '_', 'ç'];
  const altgr = ['@', '', '~', '#', '{', '[', '|', '`', '\\', '^'];
  for (let d = 0; d <= 9; d++) t[`Digit${d}`] = [row[d] ?? '', String(d), altgr[d] || undefined];
  Object.assign(t, {
    KeyQ: ['a', 'A'],
    KeyA: ['q', 'Q'],
    KeyW: ['z', 'Z'],
    KeyZ: ['w', 'W'],
    KeyM: [',', '?'],
    KeyE: ['e', 'E', '€'],
    Semicolon: ['m', 'M'],
    Backquote: ['²', ''],
    Minus: [')', '°', ']'],
    Equal: ['=', '+', '}'],
    BracketLeft: ['', ''], // dead circumflex/diaeresis: never part of a scanned code
    BracketRight: ['$', '£', '¤'],
    Quote: ['ù', '%'],
    Backslash: ['*', 'µ'],
    Comma: [';', '.'],
    Period: [':', '/'],
    Slash: ['!', '§'],
    IntlBackslash: ['<', '>'],
  } satisfies Record<string, KeyChars>);
  return t;
})();

export const LAYOUTS: Readonly<Record<LayoutId, LayoutTable>> = { us, uk, fr, de };

/** The character a key types under `layout`, or undefined when the key types nothing printable there. */
export function charFor(layout: LayoutId, code: string, shift: boolean, altGr = false): string | undefined {
  const num = NUMPAD[code];
  if (num !== undefined) return num;
  const entry = LAYOUTS[layout][code];
  if (!entry) return undefined;
  const ch = altGr ? entry[2] : shift ? entry[1] : entry[0];
  return ch === undefined || ch === '' ? undefined : ch;
}

/** Reverse lookup (first match, main block before keypad): which key + Shift types `ch` under `layout`. */
export function keyFor(layout: LayoutId, ch: string): { code: string; shift: boolean; altGr: boolean } | undefined {
  for (const [code, chars] of Object.entries(LAYOUTS[layout])) {
    if (chars[0] === ch) return { code, shift: false, altGr: false };
    if (chars[1] === ch) return { code, shift: true, altGr: false };
  }
  for (const [code, chars] of Object.entries(LAYOUTS[layout])) if (chars[2] === ch) return { code, shift: false, altGr: true };
  return undefined;
}
