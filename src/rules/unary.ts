/**
 * What a parsed cell means: the reference matcher (deliberately naive; the interpreter and the property tests
 * use it) and a short human rendering for generated explanations.
 */
import type { Test } from './cells.js';

/** The reference meaning of a test: deliberately naive, used by the interpreter and the property tests. */
export function matches(test: Test, v: string | number | boolean | null): boolean {
  switch (test.t) {
    case 'any':
      return true;
    case 'null':
      return v === null;
    case 'in':
      return v !== null && test.values.includes(v as string | boolean);
    case 'range':
      if (typeof v !== 'number') return false;
      return (test.loOpen ? v > test.lo : v >= test.lo) && (test.hiOpen ? v < test.hi : v <= test.hi);
    case 'not':
      return !matches(test.inner, v);
    case 'or':
      return test.tests.some((t) => matches(t, v));
  }
}

/** Human text of a test, for auto-generated explanations. */
export function describeTest(test: Test, fmt: (n: number) => string = String): string {
  switch (test.t) {
    case 'any':
      return 'any';
    case 'null':
      return 'missing';
    case 'in':
      return test.values.map(String).join(' / ');
    case 'range': {
      if (test.lo === test.hi) return fmt(test.lo);
      if (test.lo === -Infinity) return `${test.hiOpen ? '<' : '≤'} ${fmt(test.hi)}`;
      if (test.hi === Infinity) return `${test.loOpen ? '>' : '≥'} ${fmt(test.lo)}`;
      return `${test.loOpen ? '(' : '['}${fmt(test.lo)}..${fmt(test.hi)}${test.hiOpen ? ')' : ']'}`;
    }
    case 'not':
      return `not ${describeTest(test.inner, fmt)}`;
    case 'or':
      return test.tests.map((t) => describeTest(t, fmt)).join(' or ');
  }
}

