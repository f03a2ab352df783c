import type { Product } from '../catalog/catalog.js';
import type { ItemIdentity } from '../identity/index.js';

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
 * `catalogKnown: false` so the rules (and the exceptions queue) handle it explicitly.
 */
export function buildFacts(identity: ItemIdentity, product: Product | undefined, answers: GradingAnswers): Record<string, FactValue> {
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
  };
}

/** An item needs a person when the catalog cannot say what it is; the rules still give it a safe bin. */
export function exceptionFor(product: Product | undefined): { code: string; message: string } | undefined {
  if (!product) return { code: 'NOT_IN_CATALOG', message: 'This product is not in the catalog: put it in the exceptions bin for a supervisor.' };
  return undefined;
}
