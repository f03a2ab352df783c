/** Local-day arithmetic on a fixed UTC offset: cheap enough to run on every one of a million events. */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Days since 1970-01-01 in site local time. */
export function dayIndex(at: number, utcOffsetMin: number): number {
  return Math.floor((at + utcOffsetMin * MINUTE) / DAY);
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

export function hourOf(at: number, utcOffsetMin: number): number {
  const local = at + utcOffsetMin * MINUTE;
  return Math.floor((((local % DAY) + DAY) % DAY) / HOUR);
}

/** Start of a local day as a UTC epoch. */
export function dayStart(day: number, utcOffsetMin: number): number {
  return day * DAY - utcOffsetMin * MINUTE;
}

export function dayLabel(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** Accepts 'YYYY-MM-DD', a Date or an epoch (any moment in the day); returns the local day index or null. */
export function parseDay(day: number | string | Date, utcOffsetMin: number): number | null {
  if (typeof day === 'number') return Number.isFinite(day) ? dayIndex(day, utcOffsetMin) : null;
  if (day instanceof Date) return Number.isNaN(day.getTime()) ? null : dayIndex(day.getTime(), utcOffsetMin);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(t) || dayLabel(t / DAY) !== day ? null : t / DAY;
}

export const WEEKDAYS_EN = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** "1 h 52 min" / "1 小时 52 分钟": the form used in signal messages. */
export function durationText(min: number): { en: string; zh: string } {
  const total = Math.max(0, Math.floor(min));
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return { en: `${m} min`, zh: `${m} 分钟` };
  return { en: `${h} h ${m} min`, zh: `${h} 小时 ${m} 分钟` };
}
