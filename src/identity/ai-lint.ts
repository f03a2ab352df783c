/**
 * Content checks ("linters") for AI components, named as in the GS1 Syntax Dictionary. Each returns
 * undefined when fine or an error with a stable code. Country/currency lists: ISO 3166-1 num-3 / alpha-2
 * and ISO 4217 num-3 as published (lists taken from the GS1 reference linters).
 */
import { gs1CheckDigit, hasValidCheckPair } from './check-digit.js';
import { Codes, type IdentityError } from './errors.js';

const ISO3166 = new Set(
  (
    '004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060 064 068 070 072 074 076 084 086 090 ' +
    '092 096 100 104 108 112 116 120 124 132 136 140 144 148 152 156 158 162 166 170 174 175 178 180 184 188 191 192 ' +
    '196 203 204 208 212 214 218 222 226 231 232 233 234 238 239 242 246 248 250 254 258 260 262 266 268 270 275 276 ' +
    '288 292 296 300 304 308 312 316 320 324 328 332 334 336 340 344 348 352 356 360 364 368 372 376 380 384 388 392 ' +
    '398 400 404 408 410 414 417 418 422 426 428 430 434 438 440 442 446 450 454 458 462 466 470 474 478 480 484 492 ' +
    '496 498 499 500 504 508 512 516 520 524 528 531 533 534 535 540 548 554 558 562 566 570 574 578 580 581 583 584 ' +
    '585 586 591 598 600 604 608 612 616 620 624 626 630 634 638 642 643 646 652 654 659 660 662 663 666 670 674 678 ' +
    '682 686 688 690 694 702 703 704 705 706 710 716 724 728 729 732 740 744 748 752 756 760 762 764 768 772 776 780 ' +
    '784 788 792 795 796 798 800 804 807 818 826 831 832 833 834 840 850 854 858 860 862 876 882 887 894'
  ).split(' '),
);

const ISO4217 = new Set(
  (
    '008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124 132 136 144 152 156 170 174 188 ' +
    '191 192 203 208 214 222 230 232 238 242 262 270 292 320 324 328 332 340 344 348 352 356 360 364 368 376 388 392 ' +
    '398 400 404 408 410 414 417 418 422 426 430 434 446 454 458 462 480 484 496 498 504 512 516 524 532 533 548 554 ' +
    '558 566 578 586 590 598 600 604 608 634 643 646 654 682 690 694 702 704 706 710 728 748 752 756 760 764 776 780 ' +
    '784 788 800 807 818 826 834 840 858 860 882 886 901 925 927 928 929 930 931 932 933 934 936 938 940 941 943 944 ' +
    '946 947 948 949 950 951 952 953 955 956 957 958 959 960 961 962 963 964 965 967 968 969 970 971 972 973 975 976 ' +
    '977 978 979 980 981 984 985 986 990 994 997 999'
  ).split(' '),
);

const ISO3166_ALPHA2 = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA ' +
    'CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB ' +
    'GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG ' +
    'KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV ' +
    'MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB ' +
    'SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US ' +
    'UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

const err = (code: string, message: string): IdentityError => ({ code, message });

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return MONTH_DAYS[month - 1] ?? 0;
}

// The reference year only matters to the year; re-reading the clock every minute keeps a long-running
// station right across New Year without paying for a Date per scanned date field.
let cachedYear = 0;
let cachedAt = -Infinity;
function currentYear(): number {
  const now = Date.now();
  if (now - cachedAt > 60_000) {
    cachedYear = new Date(now).getUTCFullYear();
    cachedAt = now;
  }
  return cachedYear;
}

/**
 * GS1 GenSpecs 7.12: a 2-digit year is resolved relative to today within a −49…+50 year window, so in
 * 2026 `19` is 2019 and `76` is 2076 but `77` is 1977.
 */
export function resolveYear(yy: number, now?: Date): number {
  const current = now === undefined ? currentYear() : now.getUTCFullYear();
  const century = Math.floor(current / 100) * 100;
  const diff = yy - (current % 100);
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}

/**
 * YYMMDD → ISO date. With `allowDayZero`, day `00` means the last day of that month (GenSpecs 3.4.x:
 * "if only year and month are available, DD must be filled with two zeroes"), leap years included.
 */
function twoDigits(v: string, i: number): number {
  return (v.charCodeAt(i) - 48) * 10 + v.charCodeAt(i + 1) - 48;
}

export function gs1Date(v: string, allowDayZero: boolean): { ok: true; iso: string } | { ok: false; error: IdentityError } {
  if (v.length !== 6 || !/^[0-9]{6}$/.test(v)) return { ok: false, error: err(Codes.INVALID_DATE, `Date "${v}" must be 6 digits YYMMDD`) };
  const year = resolveYear(twoDigits(v, 0));
  const month = twoDigits(v, 2);
  let day = twoDigits(v, 4);
  if (month < 1 || month > 12) return { ok: false, error: err(Codes.INVALID_DATE, `Date "${v}" has month ${month}, which does not exist`) };
  const last = daysInMonth(year, month);
  if (day === 0 && allowDayZero) day = last;
  if (day < 1 || day > last) return { ok: false, error: err(Codes.INVALID_DATE, `Date "${v}" has day ${v.slice(4, 6)}, which does not exist in ${year}-${String(month).padStart(2, '0')}`) };
  return { ok: true, iso: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` };
}

function fullDate(v: string, allowDayZero: boolean): IdentityError | undefined {
  if (!/^[0-9]{8}$/.test(v)) return err(Codes.INVALID_DATE, `Date "${v}" must be 8 digits YYYYMMDD`);
  const y = Number(v.slice(0, 4));
  const m = Number(v.slice(4, 6));
  const d = Number(v.slice(6, 8));
  if (m < 1 || m > 12) return err(Codes.INVALID_DATE, `Date "${v}" has month ${m}, which does not exist`);
  if ((d === 0 && !allowDayZero) || d > daysInMonth(y, m)) return err(Codes.INVALID_DATE, `Date "${v}" has a day that does not exist`);
  return undefined;
}

function hhmm(v: string): IdentityError | undefined {
  const h = Number(v.slice(0, 2));
  const mi = Number(v.slice(2, 4));
  if (!/^[0-9]{4}$/.test(v) || h > 23) return err(Codes.INVALID_TIME, `Time "${v}" has an hour that does not exist`);
  if (mi > 59) return err(Codes.INVALID_TIME, `Time "${v}" has a minute that does not exist`);
  return undefined;
}

type Linter = (v: string) => IdentityError | undefined;

export const LINTERS: Record<string, Linter> = {
  csum: (v) =>
    gs1CheckDigit(v.slice(0, -1)) === Number(v[v.length - 1])
      ? undefined
      : err(Codes.BAD_CHECK_DIGIT, `${v} has a wrong check digit (should end in ${gs1CheckDigit(v.slice(0, -1))}); probably a misread`),
  csumalpha: (v) => (hasValidCheckPair(v) ? undefined : err(Codes.BAD_CHECK_DIGIT, `"${v}" has a wrong check character pair`)),
  yymmd0: (v) => {
    const r = gs1Date(v, true);
    return r.ok ? undefined : r.error;
  },
  yymmdd: (v) => {
    const r = gs1Date(v, false);
    return r.ok ? undefined : r.error;
  },
  yyyymmdd: (v) => fullDate(v, false),
  yyyymmddhhmm: (v) => fullDate(v.slice(0, 8), false) ?? hhmm(v.slice(8)),
  hhmm,
  iso3166: (v) => (ISO3166.has(v) ? undefined : err(Codes.INVALID_COUNTRY, `"${v}" is not an ISO 3166 country code`)),
  iso3166999: (v) => (v === '999' || ISO3166.has(v) ? undefined : err(Codes.INVALID_COUNTRY, `"${v}" is not an ISO 3166 country code`)),
  iso3166alpha2: (v) => (ISO3166_ALPHA2.has(v) ? undefined : err(Codes.INVALID_COUNTRY, `"${v}" is not an ISO 3166 alpha-2 country code`)),
  iso3166list: (v) => {
    if (v.length % 3 !== 0) return err(Codes.INVALID_COUNTRY, `"${v}" is not a list of 3-digit country codes`);
    for (let i = 0; i < v.length; i += 3) {
      if (!ISO3166.has(v.slice(i, i + 3))) return err(Codes.INVALID_COUNTRY, `"${v.slice(i, i + 3)}" is not an ISO 3166 country code`);
    }
    return undefined;
  },
  iso4217: (v) => (ISO4217.has(v) ? undefined : err(Codes.INVALID_CURRENCY, `"${v}" is not an ISO 4217 currency code`)),
  yesno: (v) => (v === '0' || v === '1' ? undefined : err(Codes.INVALID_VALUE, `"${v}" must be 0 or 1`)),
  hyphen: (v) => (v === '-' ? undefined : err(Codes.INVALID_VALUE, `"${v}" may only be "-"`)),
  latitude: (v) => (Number(v) <= 1800000000 ? undefined : err(Codes.INVALID_VALUE, `Latitude "${v}" is out of range`)),
  longitude: (v) => (Number(v) <= 3600000000 ? undefined : err(Codes.INVALID_VALUE, `Longitude "${v}" is out of range`)),
};

/** CSET 82 (GenSpecs Figure 7.11-1): the characters allowed in alphanumeric AI data. */
const CSET82_RE = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;
const CSET39_RE = /^[#\-/0-9A-Z]*$/;
const CSET64_RE = /^[-0-9A-Z_a-z]*={0,2}$/;
const NUMERIC_RE = /^[0-9]*$/;

export function charsetOk(charset: string, v: string): boolean {
  switch (charset) {
    case 'N':
      return NUMERIC_RE.test(v);
    case 'Y':
      return CSET39_RE.test(v);
    case 'Z':
      return CSET64_RE.test(v);
    default:
      return CSET82_RE.test(v);
  }
}
