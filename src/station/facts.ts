import type { Product } from '../catalog/catalog.js';
import type { ItemIdentity } from '../identity/index.js';
import type { ScanWarning } from '../server/api/workflow-types.js';
import { openReading, readingFacts, unconfirmedText } from './readings.js';

/** What the operator (or the scenario) told us about the return. */
export interface GradingAnswers {
  reason?: string | undefined;
  grade?: string | undefined;
  daysSinceDelivery?: number | undefined;
  serialMatched?: boolean | undefined;
  rma?: string | undefined;
  /** original_sealed | original_opened | damaged | none (grading flow) */
  packaging?: string | undefined;
}

export type FactValue = string | number | boolean | null;

/**
 * The facts a rule set sees. Unknown values are `null`, never a guess: a missing catalog entry is stated as
 * `catalogKnown: false` so the rules (and the exceptions queue) handle it explicitly. A lot comes with
 * `lotConfirmed` (false while the scan's reading of it is uncertain, see readings.ts), so a lot rule placed after a
 * "confirm the lot first" row only fires on a confirmed lot; `serialConfirmed` / `countConfirmed` likewise.
 */
export function buildFacts(identity: ItemIdentity, product: Product | undefined, answers: GradingAnswers, warnings: readonly ScanWarning[] = []): Record<string, FactValue> {
  return {
    category: product?.category ?? 'unknown',
    catalogKnown: product !== undefined,
    reason: answers.reason ?? null,
    grade: answers.grade ?? null,
    daysSinceDelivery: answers.daysSinceDelivery ?? null,
    price: product?.price ?? null,
    rtvAllowed: product?.rtvAllowed ?? false,
    serialTracked: product?.serialTracked ?? false,
    serialMatched: answers.serialMatched ?? null,
    hazmat: product?.hazmat ?? false,
    hygiene: product?.hygiene ?? false,
    hasSerial: identity.serial !== undefined || identity.epc !== undefined,
    // Only when answered: the plain scan path has no packaging question and its decisions must not change.
    ...(answers.packaging !== undefined ? { packaging: answers.packaging } : {}),
    ...readingFacts(identity, warnings),
  };
}

/**
 * An item needs a person when its scan could not be read with certainty (no one at the plain scan path can confirm
 * the lot, so nothing is decided on it) or the catalog cannot say what it is; the rules still give it a safe bin.
 */
export function exceptionFor(product: Product | undefined, warnings: readonly ScanWarning[] = []): { code: string; message: string; text?: { en: string; 'zh-CN': string } } | undefined {
  const open = openReading(warnings);
  if (open) {
    const text = unconfirmedText(open);
    return { code: open.code, message: text.en, text };
  }
  if (!product) return { code: 'NOT_IN_CATALOG', message: 'This product is not in the catalog: put it in the exceptions bin for a supervisor.' };
  return undefined;
}
