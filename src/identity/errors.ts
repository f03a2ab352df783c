/**
 * Stable codes for everything identity can say. Callers branch on `code`; `message` is for the person at
 * the dock. Nothing in src/identity throws on bad input: every path ends in one of these.
 */
export interface IdentityError {
  code: string;
  message: string;
}
export type { IdentityWarning } from './types.js';

export const Codes = {
  EMPTY_INPUT: 'EMPTY_INPUT',
  NOT_GS1: 'NOT_GS1',
  BAD_CHECK_DIGIT: 'GS1_BAD_CHECK_DIGIT',
  BAD_LENGTH: 'GS1_BAD_LENGTH',
  NON_DIGIT: 'GS1_NON_DIGIT',
  UNKNOWN_AI: 'GS1_UNKNOWN_AI',
  FIELD_TOO_LONG: 'GS1_FIELD_TOO_LONG',
  FIELD_TOO_SHORT: 'GS1_FIELD_TOO_SHORT',
  EMPTY_FIELD: 'GS1_EMPTY_FIELD',
  INVALID_CHARACTER: 'GS1_INVALID_CHARACTER',
  INVALID_DATE: 'GS1_INVALID_DATE',
  INVALID_TIME: 'GS1_INVALID_TIME',
  INVALID_VALUE: 'GS1_INVALID_VALUE',
  INVALID_COUNTRY: 'GS1_INVALID_COUNTRY',
  INVALID_CURRENCY: 'GS1_INVALID_CURRENCY',
  SYNTAX: 'GS1_SYNTAX',
  CONFLICTING_AI: 'GS1_CONFLICTING_AI',
  BAD_SYMBOLOGY: 'GS1_BAD_SYMBOLOGY_ID',
  DL_INVALID: 'GS1_DL_INVALID',
  EPC_INVALID_HEX: 'EPC_INVALID_HEX',
  EPC_UNKNOWN_HEADER: 'EPC_UNKNOWN_HEADER',
  EPC_UNSUPPORTED_SCHEME: 'EPC_UNSUPPORTED_SCHEME',
  EPC_TOO_SHORT: 'EPC_TOO_SHORT',
  EPC_INVALID_PARTITION: 'EPC_INVALID_PARTITION',
  EPC_INVALID_FIELD: 'EPC_INVALID_FIELD',
  EPC_NON_GS1: 'EPC_NON_GS1',
  EPC_INVALID_URI: 'EPC_INVALID_URI',
  EPC_VALUE_DOES_NOT_FIT: 'EPC_VALUE_DOES_NOT_FIT',
  EPC_RESTRICTED_CIRCULATION: 'EPC_RESTRICTED_CIRCULATION',
} as const;

/** Warning codes: data is returned, but a person or rule should look twice. */
export const WarningCodes = {
  possibleMissingSeparator: 'possibleMissingSeparator',
  missingRequiredAi: 'GS1_MISSING_REQUIRED_AI',
  exclusiveAis: 'GS1_EXCLUSIVE_AIS',
  repeatedAi: 'GS1_REPEATED_AI_DIFFERENT',
  restrictedCirculation: 'GS1_RESTRICTED_CIRCULATION',
  aiDigitInValue: 'GS1_AI_DIGIT_IN_VALUE',
  epcRaw: 'EPC_RAW',
} as const;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: IdentityError };

export function fail(code: string, message: string): { ok: false; error: IdentityError } {
  return { ok: false, error: { code, message } };
}
export function okv<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}
