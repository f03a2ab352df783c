/** Typed meaning of AI values: implied decimals, dates, date-times, counts. */
import { AI_TABLE } from './ai-table.js';
import { gs1Date } from './ai-lint.js';

export type AiValue = string | number | string[];

/** "017230" with 3 implied decimals → "17.230" (string, so no float rounding ever touches a weight). */
export function withDecimals(digits: string, decimals: number): string {
  const padded = digits.padStart(decimals + 1, '0');
  const int = padded.slice(0, padded.length - decimals).replace(/^0+(?=[0-9])/, '');
  return decimals === 0 ? int : `${int}.${padded.slice(padded.length - decimals)}`;
}

function dateOf(v: string, dayZero: boolean): string {
  const r = gs1Date(v, dayZero);
  return r.ok ? r.iso : v;
}

/**
 * Interprets one AI value: measures/amounts with their implied decimals (310n, 392n… BUG-31), dates as
 * YYYY-MM-DD (day 00 = last day of month, BUG-29), 7003 as date-time, counts (30, 37) as numbers.
 * Values that fail validation should not reach here; if they do, the raw string comes back.
 */
export function interpretAi(ai: string, value: string): AiValue {
  const def = AI_TABLE.get(ai);
  if (def === undefined) return value;
  if (def.decimals !== undefined) {
    if (ai.startsWith('391') || ai.startsWith('393')) return `${value.slice(0, 3)} ${withDecimals(value.slice(3), def.decimals)}`;
    return withDecimals(value, def.decimals);
  }
  if (ai === '30' || ai === '37') return Number(value);
  const c0 = def.components[0];
  if (c0 === undefined) return value;
  const dateLint = c0.linters.find((l) => l === 'yymmd0' || l === 'yymmdd');
  if (dateLint !== undefined) {
    const d = dateOf(value.slice(0, 6), dateLint === 'yymmd0');
    if (ai === '7007') return value.length > 6 ? [d, dateOf(value.slice(6, 12), false)] : d;
    if (value.length >= 10 && def.components[1]?.linters.includes('hhmm')) return `${d}T${value.slice(6, 8)}:${value.slice(8, 10)}`;
    return d;
  }
  return value;
}
