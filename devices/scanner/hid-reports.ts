/**
 * HID report codecs for scanners: boot-keyboard reports (usage page 0x07) and HID-POS barcode reports (usage page
 * 0x8C). Pure and browser-safe (WebHID could use them too); bad input never throws.
 */
import { charFor, type LayoutId } from './layouts.js';
import { shapeScan } from './wedge.js';

/** HID Keyboard/Keypad usage id → KeyboardEvent.code, so HID and wedge share one set of layout tables. */
const USAGE_CODES: Record<number, string> = (() => {
  const t: Record<number, string> = {};
  for (let i = 0; i < 26; i++) t[0x04 + i] = `Key${String.fromCharCode(65 + i)}`;
  for (let i = 0; i < 9; i++) t[0x1e + i] = `Digit${i + 1}`;
  t[0x27] = 'Digit0';
  Object.assign(t, {
    0x28: 'Enter', 0x29: 'Escape', 0x2a: 'Backspace', 0x2b: 'Tab', 0x2c: 'Space', 0x2d: 'Minus', 0x2e: 'Equal',
    0x2f: 'BracketLeft', 0x30: 'BracketRight', 0x31: 'Backslash',
    0x32: 'Backslash', // "Non-US # and ~": browsers report it as Backslash too
    0x33: 'Semicolon', 0x34: 'Quote', 0x35: 'Backquote', 0x36: 'Comma', 0x37: 'Period', 0x38: 'Slash', 0x4c: 'Delete',
    0x54: 'NumpadDivide', 0x55: 'NumpadMultiply', 0x56: 'NumpadSubtract', 0x57: 'NumpadAdd', 0x58: 'NumpadEnter',
    0x62: 'Numpad0', 0x63: 'NumpadDecimal', 0x64: 'IntlBackslash',
  });
  for (let i = 0; i < 9; i++) t[0x59 + i] = `Numpad${i + 1}`;
  return t;
})();

const CONTROL_CHARS: Record<string, string> = { Enter: '\n', Escape: '\x1b', Backspace: '\b', Tab: '\t', Delete: '\x7f', NumpadEnter: '\n' };

export function usageToCode(usage: number): string | undefined {
  return USAGE_CODES[usage];
}

/** Character for one key usage under the scanner's layout (US by default), or undefined. */
export function usageToChar(usage: number, shift: boolean, layout: LayoutId = 'us', altGr = false): string | undefined {
  const code = USAGE_CODES[usage];
  if (code === undefined) return undefined;
  return CONTROL_CHARS[code] ?? charFor(layout, code, shift, altGr);
}

/** Modifier byte bit of a modifier usage (0xE0 LeftControl … 0xE7 RightGUI). */
export function modifierMask(usage: number): number {
  return usage >= 0xe0 && usage <= 0xe7 ? 1 << (usage - 0xe0) : 0;
}

const SHIFT = 0x02 | 0x20;
const CTRL = 0x01 | 0x10;
const RIGHT_ALT = 0x40;

/** Text typed by one 8-byte boot-keyboard report (every key it holds down). */
export function decodeBootReport(report: Uint8Array, layout: LayoutId = 'us'): string {
  if (report.length < 3) return '';
  const mod = report[0] ?? 0;
  let out = '';
  for (const usage of report.subarray(2, 8)) {
    if (usage === 0 || usage === 1) continue; // none / rollover error
    const ch = keyChar(usage, mod, layout);
    if (ch !== undefined) out += ch;
  }
  return out;
}

function keyChar(usage: number, mod: number, layout: LayoutId): string | undefined {
  if (mod & CTRL && !(mod & RIGHT_ALT)) return usage === 0x30 ? '\x1d' : undefined; // Ctrl+] is the GS1 separator
  return usageToChar(usage, (mod & SHIFT) !== 0, layout, (mod & RIGHT_ALT) !== 0);
}

/**
 * A boot-keyboard stream from a dedicated scanner: only newly pressed keys count (a key held across reports is one
 * character), and Enter/Tab end the scan. No timing heuristics: nobody types on a scanner.
 */
export class BootKeyboardDecoder {
  private held = new Set<number>();
  private buf = '';

  constructor(private readonly opts: { layout: LayoutId; prefix?: string; suffix?: string; gsReplacement?: string }) {}

  /** Feed one report; returns completed scans (usually zero or one). */
  push(report: Uint8Array): Array<{ text: string; symbology?: string }> {
    if (report.length < 3) return [];
    const mod = report[0] ?? 0;
    const now = new Set<number>();
    const out: Array<{ text: string; symbology?: string }> = [];
    for (const usage of report.subarray(2, 8)) {
      if (usage <= 1) continue;
      now.add(usage);
      if (this.held.has(usage)) continue;
      if (usage === 0x28 || usage === 0x58 || usage === 0x2b) {
        const s = shapeScan(this.buf, this.opts);
        this.buf = '';
        if (s) out.push(s);
        continue;
      }
      this.buf += keyChar(usage, mod, this.opts.layout) ?? '';
    }
    this.held = now;
    return out;
  }
}

export interface HidPosReport {
  reportId: number | undefined;
  dataLength: number;
  aim: string;
  data: string;
  codeIdByte: number;
  continued: boolean;
}

/**
 * One HID-POS scanned-data input report: [reportId?] length, 3-byte AIM id, decoded data, vendor code id at offset
 * 56+5 from the length byte, and bit 0 of the last byte = "more data follows". `hasReportId` comes from the device's
 * report descriptor, so the ID byte is removed exactly once.
 */
export function parseHidPosReport(bytes: Uint8Array, hasReportId: boolean): HidPosReport | undefined {
  const b = hasReportId ? bytes.subarray(1) : bytes;
  if (b.length < 4) return undefined;
  const len = b[0] ?? 0;
  const maxData = Math.max(0, Math.min(b.length - 4, 56));
  const n = Math.min(len, maxData);
  const aim = latin1(b.subarray(1, 4));
  const data = latin1(b.subarray(4, 4 + n));
  return {
    reportId: hasReportId ? bytes[0] : undefined,
    dataLength: len,
    aim,
    data,
    codeIdByte: b[60] ?? 0,
    continued: ((b[62] ?? 0) & 0x01) === 1,
  };
}

/** Joins continued HID-POS reports into one message per scan. */
export class HidPosAssembler {
  private parts: string[] = [];
  private aim = '';

  constructor(private readonly hasReportId: boolean) {}

  push(bytes: Uint8Array): { aim: string; text: string } | undefined {
    const r = parseHidPosReport(bytes, this.hasReportId);
    if (!r) return undefined;
    if (this.parts.length === 0) this.aim = r.aim;
    this.parts.push(r.data);
    if (r.continued) return undefined;
    const text = this.parts.join('');
    this.parts = [];
    return { aim: this.aim, text };
  }
}

/** Does a HID report descriptor declare Report ID items (global tag 8)? Walks short and long items. */
export function descriptorUsesReportIds(desc: Uint8Array): boolean {
  let i = 0;
  while (i < desc.length) {
    const prefix = desc[i] ?? 0;
    if (prefix === 0xfe) {
      i += 3 + (desc[i + 1] ?? 0); // long item: size byte, tag byte, data
      continue;
    }
    const size = [0, 1, 2, 4][prefix & 0x03] ?? 0;
    if ((prefix & 0xfc) === 0x84) return true; // Report ID, global item
    i += 1 + size;
  }
  return false;
}

/**
 * The exact bytes for `device.write`: hidapi wants the report ID first on every OS, 0x00 for devices without
 * numbered reports, so a command starting with 0x00 keeps its first byte (BUG-09).
 */
export function outputReport(data: readonly number[], reportId = 0): number[] {
  return [reportId & 0xff, ...data.map((d) => d & 0xff)];
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}
