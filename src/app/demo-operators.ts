import { readFileSync } from 'node:fs';
import { badgeTaken } from '../station/operators.js';
import { putOperator, runImport } from '../station/queries.js';
import type { Core } from '../station/core.js';

/**
 * The demo's made-up people, so `npm start` can be used at once: two operators and a supervisor. A real station
 * registers its people through the supervisor screen or `POST /api/workflow/operators`.
 */
export const DEMO_OPERATORS = [
  { badge: 'B-100', displayName: 'Ana', role: 'operator' },
  { badge: 'B-101', displayName: 'Bo', role: 'operator' },
  { badge: 'B-900', displayName: 'Sam', role: 'supervisor', pin: '4321' },
] as const;

/** Registers the demo people that are not registered yet (a changed name or PIN from an earlier run stays). */
export function seedDemoOperators(core: Core): void {
  for (const o of DEMO_OPERATORS) {
    if (badgeTaken(core, o.badge)) continue;
    putOperator(core, { ...o, idempotencyKey: `demo-operator-${o.badge}` }, true);
  }
}

/** What the sign-in screen offers as buttons: the operators only (the supervisor signs in with a PIN). */
export const demoBadges = (): Array<{ badge: string; name: string }> =>
  DEMO_OPERATORS.filter((o) => o.role === 'operator').map((o) => ({ badge: o.badge, name: o.displayName }));

const FIXTURES = new URL('../../fixtures/returns/', import.meta.url);

/**
 * Expected returns (RMAs with their order lines) and the extra products they need, so the operator screen has
 * cases to open: scan `RMA-2001`, then item `00614141007776`. Imports are idempotent, so every start may run them.
 */
export function seedDemoReturns(core: Core): void {
  const extra = JSON.parse(readFileSync(new URL('catalog-extra.json', FIXTURES), 'utf8')) as { products: unknown[] };
  runImport(core, 'catalog', { format: 'json', rows: extra.products });
  runImport(core, 'returns', { format: 'csv', text: readFileSync(new URL('expected-returns.csv', FIXTURES), 'utf8') });
}
