/**
 * One acceptance policy for every camera read, whichever decoder produced it. Browser-safe, pure.
 *
 * A camera read becomes a scan only if (1) the symbology's check digit holds (BUG-21), (2) it is not a truncated
 * internal label: a value that looks like an RMA/bin/tote label must match that label's exact pattern (BUG-25),
 * (3) quagga2's own bar-width error is low, and (4) the same value was read in `agreement` consecutive decoding
 * frames. Accepted values are emitted once and re-armed only after the code has left the view.
 */
import { canonical, checkDigitOk, toGtin14, type CodeFormat } from './formats.js';

export type DecoderName = 'zxing-wasm' | 'quagga2';

export interface RawRead {
  format: CodeFormat;
  text: string;
  decoder: DecoderName;
  /** quagga2: mean bar-width error of the decoded characters (lower is better). */
  error?: number;
  /** zxing-wasm, 1-D codes: how many scan lines agreed on this read. */
  lines?: number;
}

export interface LabelRule {
  /** e.g. 'RMA', 'bin', 'tote' */
  name: string;
  formats: CodeFormat[];
  /** What a read of this label must match exactly. */
  pattern: RegExp;
  /** A read matching this but not `pattern` is a damaged/truncated label and is rejected. */
  near: RegExp;
}

export interface AcceptanceOptions {
  /** Consecutive decoding frames that must agree before a read is a scan. Default 2. */
  agreement?: number;
  /** Reads further apart than this do not count as consecutive. Default 1500 ms. */
  agreementWindowMs?: number;
  /** An accepted code is not re-emitted until it has been out of view this long. Default 1500 ms. */
  rearmMs?: number;
  /** quagga2 reads with a higher mean error are dropped. Default 0.12. */
  maxQuaggaError?: number;
  labels?: LabelRule[];
}

/** Formats an internal label can be printed in (retail EAN/UPC codes are products, never labels). */
export const LABEL_FORMATS = ['Code128', 'Code39', 'Code93', 'Codabar', 'ITF', 'QR', 'DataMatrix', 'PDF417', 'Aztec'] as const satisfies readonly CodeFormat[];
export type LabelFormat = (typeof LABEL_FORMATS)[number];

/**
 * A label rule as station.yaml and the page carry it (`scanner.labels`): regex sources, because RegExp objects do
 * not survive JSON. Both are matched against the whole value, so a pattern written without ^…$ still cannot accept
 * a longer read that merely contains a label.
 */
export interface LabelPatternConfig {
  pattern: string;
  near: string;
  formats: LabelFormat[];
}
export type LabelKind = 'rma' | 'bin' | 'tote';
export type LabelPatterns = Record<LabelKind, LabelPatternConfig>;

/** The built-in label shapes (BUG-25); config defaults to exactly these, so an existing station sees no change. */
export const DEFAULT_LABEL_PATTERNS: LabelPatterns = {
  rma: { pattern: '\\d{7}', near: '\\d{4,10}', formats: ['Code128'] },
  bin: { pattern: '\\d{3}', near: '\\d{1,5}', formats: ['Code39'] },
  tote: { pattern: 'TOTE-\\d{4}', near: 'TOTE.*', formats: ['Code128', 'Code39'] },
};

const LABEL_NAMES: Record<LabelKind, string> = { rma: 'RMA', bin: 'bin', tote: 'tote' };

/** Whole-value match; `s` so that `.*` in a near pattern also spans a stray control character. */
export const wholeValue = (source: string): RegExp => new RegExp(`^(?:${source})$`, 's');

/** Config form → the rules validateRead uses. Sources must already be valid (the config schema checks them). */
export function labelRulesFrom(p: LabelPatterns): LabelRule[] {
  return (Object.keys(LABEL_NAMES) as LabelKind[]).map((k) => ({
    name: LABEL_NAMES[k], formats: [...p[k].formats], pattern: wholeValue(p[k].pattern), near: wholeValue(p[k].near),
  }));
}

export const DEFAULT_LABELS: LabelRule[] = labelRulesFrom(DEFAULT_LABEL_PATTERNS);

export type Rejection = 'CHECK_DIGIT' | 'LABEL_PATTERN' | 'LOW_QUALITY' | 'EMPTY';

export interface AcceptedScan {
  format: CodeFormat;
  text: string;
  decoder: DecoderName;
  /** GTIN-14 for EAN/UPC reads: the key catalog lookups and duplicate checks use (BUG-23). */
  gtin14?: string;
  /** Internal label kind when one of the configured label rules matched. */
  label?: string;
  at: number;
}

/** Stateless part of the policy: is this single read plausible? Returns the canonical read or why not. */
export function validateRead(read: RawRead, opts: AcceptanceOptions = {}): { ok: true; read: RawRead; label?: string } | { ok: false; reason: Rejection } {
  if (read.text === '') return { ok: false, reason: 'EMPTY' };
  const c = canonical(read.format, read.text);
  if (!checkDigitOk(c.format, c.text)) return { ok: false, reason: 'CHECK_DIGIT' };
  if (read.decoder === 'quagga2' && read.error !== undefined && read.error > (opts.maxQuaggaError ?? 0.12)) return { ok: false, reason: 'LOW_QUALITY' };
  for (const rule of opts.labels ?? DEFAULT_LABELS) {
    if (!rule.formats.includes(c.format)) continue;
    if (rule.pattern.test(c.text)) return { ok: true, read: { ...read, ...c }, label: rule.name };
    if (rule.near.test(c.text)) return { ok: false, reason: 'LABEL_PATTERN' };
  }
  return { ok: true, read: { ...read, ...c } };
}

/** Identity of a read for agreement: GTIN-14 for EAN/UPC (so EAN-13 "0…" and UPC-A agree), else format + text. */
export function readKey(read: { format: CodeFormat; text: string }): string {
  const gtin = /^(EAN|UPC)/.test(read.format) ? toGtin14(read.text, read.format) : undefined;
  return gtin ? `gtin:${gtin}` : `${read.format}:${read.text}`;
}

/**
 * zxing-wasm sometimes returns a second, different 1-D read of the same format for one printed code, found on only
 * a few scan lines (fixture zxing__ean13-1__35: 5030159003930 on 8 lines, 7034759003930 on 3). A read of under 4
 * lines that shares its format with a better-supported read in the same frame is that ghost, and is dropped.
 */
export function dropWeakTwins(reads: RawRead[]): RawRead[] {
  return reads.filter((r) => {
    const lines = r.lines;
    if (lines === undefined || lines >= 4) return true;
    return !reads.some((o) => o !== r && o.format === r.format && o.text !== r.text && (o.lines ?? 0) > lines);
  });
}

interface Candidate {
  count: number;
  lastAt: number;
  read: RawRead;
  label: string | undefined;
}

export class AcceptanceTracker {
  private readonly candidates = new Map<string, Candidate>();
  private readonly emitted = new Map<string, number>();
  readonly rejected: Array<{ read: RawRead; reason: Rejection }> = [];

  constructor(private readonly opts: AcceptanceOptions = {}) {}

  /**
   * Feed the reads of one decoding frame (an empty array when the frame was decoded and nothing was found; do not
   * call for frames that were skipped). Returns the scans accepted by this frame.
   */
  frame(reads: RawRead[], now: number): AcceptedScan[] {
    const need = this.opts.agreement ?? 2;
    const window = this.opts.agreementWindowMs ?? 1500;
    const rearm = this.opts.rearmMs ?? 1500;
    const seen = new Set<string>();
    const out: AcceptedScan[] = [];
    for (const raw of dropWeakTwins(reads)) {
      const v = validateRead(raw, this.opts);
      if (!v.ok) {
        this.rejected.push({ read: raw, reason: v.reason });
        if (this.rejected.length > 100) this.rejected.shift();
        continue;
      }
      const key = readKey(v.read);
      if (seen.has(key)) continue;
      seen.add(key);
      const prev = this.candidates.get(key);
      const count = prev && now - prev.lastAt <= window ? prev.count + 1 : 1;
      this.candidates.set(key, { count, lastAt: now, read: v.read, label: v.label });
      const lastEmit = this.emitted.get(key);
      if (lastEmit !== undefined && now - lastEmit <= rearm) {
        this.emitted.set(key, now); // still in view: keep it armed-off
        continue;
      }
      if (count >= need) {
        this.emitted.set(key, now);
        const gtin14 = /^(EAN|UPC)/.test(v.read.format) ? toGtin14(v.read.text, v.read.format) : undefined;
        out.push({
          format: v.read.format, text: v.read.text, decoder: v.read.decoder, at: now,
          ...(gtin14 ? { gtin14 } : {}), ...(v.label ? { label: v.label } : {}),
        });
      }
    }
    // A frame that read something else breaks the streak of codes it did not see (consecutive means consecutive);
    // an empty frame does not, because the decoders miss real codes on some frames.
    if (seen.size > 0) for (const key of this.candidates.keys()) if (!seen.has(key)) this.candidates.delete(key);
    return out;
  }

  reset(): void {
    this.candidates.clear();
    this.emitted.clear();
  }
}
