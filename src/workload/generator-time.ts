// Generated histories use UTC epochs read as site local time (offset 0), so plain day arithmetic applies.
export { DAY, HOUR, MINUTE, weekdayOfDay } from './time.js';
import { parseDay as parseLocalDay } from './time.js';

export const SECOND_MS = 1000;

export function parseDay(label: string): number | null {
  return parseLocalDay(label, 0);
}
