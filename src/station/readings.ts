import { AI_TABLE, identify, parseCaretElementString, separatorTail, type IdentityWarning, type ItemIdentity } from '../identity/index.js';
import type { GradingQuestion, ReadingField, ScanWarning, Text, UncertainReading, UnconfirmedCode } from '../server/api/workflow-types.js';
import type { Core } from './core.js';

/**
 * Identity warnings that make a variable-length field's value uncertain (BUG-19 d, BUG-27 b): the station keeps them
 * with the item, never uses the value on its own, and asks a person which reading is right. Pure: no database.
 */

/** Warning code → where the uncertain field is. Only GS-less data that ends in a variable-length field is suspect. */
const UNCERTAIN: Readonly<Record<string, (identity: ItemIdentity) => { ai: string; value: string } | undefined>> = {
  // Identity warns about the element that ran to the end of the data: the last one of the element string.
  possibleMissingSeparator: (identity) => {
    if (!identity.elementString) return undefined;
    const parsed = parseCaretElementString(identity.elementString);
    const last = parsed.ok ? parsed.value.elements.at(-1) : undefined;
    return last ? { ai: last.ai, value: last.value } : undefined;
  },
};

const FIELD_OF: Readonly<Record<string, ReadingField>> = { '10': 'lot', '21': 'serial', '30': 'count', '37': 'count' };
const CODE_OF: Readonly<Record<ReadingField, UnconfirmedCode>> = { lot: 'LOT_UNCONFIRMED', serial: 'SERIAL_UNCONFIRMED', count: 'COUNT_UNCONFIRMED', other: 'READING_UNCONFIRMED' };
const NAME: Readonly<Record<ReadingField, Text>> = {
  lot: { en: 'Lot', 'zh-CN': '批次' },
  serial: { en: 'Serial', 'zh-CN': '序列号' },
  count: { en: 'Count', 'zh-CN': '数量' },
  other: { en: 'Value', 'zh-CN': '数值' },
};

/** The identity warnings of a scan as the station keeps them: every one, uncertain readings spelled out. */
export function scanWarnings(identity: ItemIdentity, warnings: readonly IdentityWarning[] | undefined): ScanWarning[] {
  return (warnings ?? []).map((w) => {
    const at = UNCERTAIN[w.code]?.(identity);
    if (!at) return { code: w.code, message: w.message };
    const reading = readingOf(identity, at.ai, at.value);
    return { code: w.code, message: w.message, text: warningText(reading), reading };
  });
}

function readingOf(identity: ItemIdentity, ai: string, asRead: string): UncertainReading {
  const field = FIELD_OF[ai] ?? 'other';
  const split = splitReading(identity, asRead);
  return { ai, field, asRead, ...(split ? { split: { value: split.value, ais: split.ais } } : {}), code: CODE_OF[field], status: 'unconfirmed' };
}

/**
 * The reading with a separator after a shorter value: the first (longest) tail that identity counts as evidence of a
 * dropped separator (separatorTail: no company-internal or free-text AI, no repeated AI) and that makes the whole data
 * valid GS1 again, e.g. `21G0073JZ` + (20) 23. So the split offered is the one the warning was about.
 */
function splitReading(identity: ItemIdentity, v: string): { value: string; ais: Record<string, string>; identity: ItemIdentity } | undefined {
  const es = identity.elementString;
  if (!es?.endsWith(v)) return undefined;
  const parsed = parseCaretElementString(es);
  if (!parsed.ok) return undefined;
  const prefix = es.slice(0, es.length - v.length);
  for (let i = 1; i < v.length - 2; i++) {
    const tail = separatorTail(parsed.value.elements, v.slice(i));
    if (!tail) continue;
    const whole = identify(`${prefix}${v.slice(0, i)}^${v.slice(i)}`);
    if (!whole.ok) continue;
    const ais = Object.fromEntries(tail.elements.map((e) => [e.ai, e.value]));
    return { value: v.slice(0, i), ais, identity: { ...whole.identity, raw: identity.raw, ...(identity.symbology ? { symbology: identity.symbology } : {}) } };
  }
  return undefined;
}

const aisText = (ais: Record<string, string>): string => Object.entries(ais).map(([ai, v]) => `(${ai}) ${v}`).join(' ');
const tailOf = (r: UncertainReading): string => r.asRead.slice(r.split?.value.length ?? r.asRead.length);
const aiList = (ais: Record<string, string>): string => Object.keys(ais).join(', ');

function fieldName(r: UncertainReading): Text {
  if (r.field !== 'other') return NAME[r.field];
  const title = AI_TABLE.get(r.ai)?.title;
  return { en: `(${r.ai})${title ? ` ${title}` : ''}`, 'zh-CN': `(${r.ai})` };
}

function warningText(r: UncertainReading): Text {
  const n = fieldName(r);
  const lower = n.en.startsWith('(') ? n.en : n.en.toLowerCase();
  if (!r.split) {
    return {
      en: `The scanner may have dropped a separator: ${lower} ${r.asRead} may not be the whole ${lower}. Confirm it before it is used.`,
      'zh-CN': `扫描器可能漏发了分隔符：${n['zh-CN']} ${r.asRead} 可能不完整。使用前请确认。`,
    };
  }
  return {
    en: `The scanner may have dropped a separator: ${lower} ${r.asRead} could also be ${r.split.value} + ${aisText(r.split.ais)}. Confirm the ${lower} before it is used.`,
    'zh-CN': `扫描器可能漏发了分隔符：${n['zh-CN']} ${r.asRead} 也可能是 ${r.split.value} + ${aisText(r.split.ais)}。使用前请确认${n['zh-CN']}。`,
  };
}

/** What `items.identity_json` holds: the identity (as read, or as confirmed) with the scan's warnings. */
export type StoredIdentity = ItemIdentity & { warnings?: ScanWarning[] };

export function storedIdentity(core: Core, itemId: string): StoredIdentity | undefined {
  const json = core.st('SELECT identity_json FROM items WHERE id = ?').pluck().get(itemId) as string | null | undefined;
  return json ? (JSON.parse(json) as StoredIdentity) : undefined;
}

/** The identity with every field whose reading is not confirmed taken out: what matching, merging and events may use. */
export function withoutUnconfirmed(identity: ItemIdentity, warnings: readonly ScanWarning[]): ItemIdentity {
  const open = warnings.flatMap((w) => (w.reading && w.reading.status !== 'confirmed' ? [w.reading] : []));
  if (open.length === 0) return identity;
  const out: ItemIdentity = { ...identity, ...(identity.ais ? { ais: { ...identity.ais } } : {}) };
  for (const r of open) {
    if (out.ais) delete out.ais[r.ai];
    if (r.field === 'lot') delete out.lot;
    if (r.field === 'serial') delete out.serial;
  }
  return out;
}

/** The first reading still waiting for a person. */
export function openReading(warnings: readonly ScanWarning[]): UncertainReading | undefined {
  return warnings.find((w) => w.reading?.status === 'unconfirmed')?.reading;
}

/** Rule facts for the fields that can be uncertain: `lot` with `lotConfirmed`, `serialConfirmed`, `countConfirmed`. */
export function readingFacts(identity: ItemIdentity, warnings: readonly ScanWarning[]): Record<string, string | boolean> {
  const open = new Set(warnings.filter((w) => w.reading?.status !== undefined && w.reading.status !== 'confirmed').map((w) => w.reading?.field));
  const out: Record<string, string | boolean> = {};
  if (identity.lot !== undefined) {
    out.lot = identity.lot;
    out.lotConfirmed = !open.has('lot');
  }
  if (identity.serial !== undefined) out.serialConfirmed = !open.has('serial');
  if (identity.ais?.['30'] !== undefined || identity.ais?.['37'] !== undefined) out.countConfirmed = !open.has('count');
  return out;
}

/** Why an item with an unconfirmed reading is held (exceptions bin, a person checks the label). */
export function unconfirmedText(r: UncertainReading): Text {
  const n = fieldName(r);
  const lower = n.en.startsWith('(') ? n.en : n.en.toLowerCase();
  const alt = r.split ? ` or ${r.split.value} + ${aisText(r.split.ais)}` : '';
  const altZh = r.split ? `，或 ${r.split.value} + ${aisText(r.split.ais)}` : '';
  return {
    en: `${n.en} not confirmed (${r.asRead}${alt}): the scanner may have dropped a separator. Exceptions bin; check the label before the ${lower} is used.`,
    'zh-CN': `${n['zh-CN']}未确认（${r.asRead}${altZh}）：扫描器可能漏发了分隔符。放入异常区；使用${n['zh-CN']}前请核对标签。`,
  };
}

// ───────────── the confirmation question (workflow) ─────────────

const QUESTION_PREFIX = 'confirm-reading-';

export const isReadingQuestion = (questionId: string | null | undefined): boolean => questionId?.startsWith(QUESTION_PREFIX) === true;
export const readingQuestionId = (r: UncertainReading): string => `${QUESTION_PREFIX}${r.ai}`;
/** The answers key that records the choice (it travels with the inspection event's answers). */
export const readingFact = (r: UncertainReading): string => (r.field === 'other' ? `ai${r.ai}Reading` : `${r.field}Reading`);

/** "Lot reads 21G0073JZ2023 — is that the whole lot, or is it 21G0073JZ + 2023 (AI 20)?" with the readings as buttons. */
export function readingQuestion(r: UncertainReading): GradingQuestion {
  const n = fieldName(r);
  const lower = n.en.startsWith('(') ? 'value' : n.en.toLowerCase();
  const answers: GradingQuestion['answers'] = [{ value: 'as_read', label: { en: `Whole ${lower}: ${r.asRead}`, 'zh-CN': `完整${n['zh-CN'].startsWith('(') ? '数值' : n['zh-CN']}：${r.asRead}` } }];
  let text: Text;
  if (r.split) {
    const tail = tailOf(r);
    text = {
      en: `${n.en} reads ${r.asRead} — is that the whole ${lower}, or is it ${r.split.value} + ${tail} (AI ${aiList(r.split.ais)})?`,
      'zh-CN': `${n['zh-CN']}读作 ${r.asRead}——这是完整的${n['zh-CN']}，还是 ${r.split.value} + ${tail}（AI ${aiList(r.split.ais)}）？`,
    };
    answers.push({ value: 'split', label: { en: `${n.en} ${r.split.value} + ${aisText(r.split.ais)}`, 'zh-CN': `${n['zh-CN']} ${r.split.value} + ${aisText(r.split.ais)}` } });
  } else {
    text = { en: `${n.en} reads ${r.asRead} — is that the whole ${lower} as printed on the label?`, 'zh-CN': `${n['zh-CN']}读作 ${r.asRead}——与标签上印的完全一致吗？` };
  }
  answers.push({ value: 'neither', label: { en: 'Neither: exceptions bin', 'zh-CN': '都不是：放入异常区' } });
  return { id: readingQuestionId(r), fact: readingFact(r), text, answers };
}

/**
 * Applies the operator's answer: the identity the station goes on with (the split reading re-parsed, so its extra
 * AIs are real AIs) and the reading marked as answered. `undefined` for an answer that is not one of the buttons.
 */
export function confirmReading(
  identity: ItemIdentity,
  r: UncertainReading,
  choice: string,
  by: { operator: string | null; at: number },
): { identity: ItemIdentity; reading: UncertainReading } | undefined {
  const who = { ...(by.operator ? { by: by.operator } : {}), at: by.at };
  if (choice === 'as_read') return { identity, reading: { ...r, status: 'confirmed', choice, value: r.asRead, ...who } };
  if (choice === 'neither') return { identity, reading: { ...r, status: 'rejected', choice, ...who } };
  if (choice !== 'split' || !r.split) return undefined;
  const s = splitReading(identity, r.asRead);
  if (!s) return undefined;
  return { identity: s.identity, reading: { ...r, status: 'confirmed', choice, value: s.value, ...who } };
}
