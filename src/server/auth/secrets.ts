import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * PINs and badge codes are stored only as scrypt hashes: `scrypt$N$r$p$salt$hash` (salt and hash base64url).
 * A 4-digit PIN has 10,000 values, so the hash alone does not protect it from someone holding the config file;
 * the cost makes each guess slow and the login throttle (see throttle.ts) limits guesses over the network.
 */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: ScryptCost = { N: 16384, r: 8, p: 1 };
const KEY_LEN = 32;

function scryptAsync(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const opts: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => scrypt(secret.normalize('NFC'), salt, KEY_LEN, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

export async function hashSecret(secret: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface Parsed {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

export function parseHash(stored: string): Parsed | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Bounds keep a hand-edited config from asking for gigabytes of memory per login.
  if (!Number.isInteger(N) || N < 2 || N > 1 << 20 || (N & (N - 1)) !== 0) return undefined;
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length < 8 || key.length !== KEY_LEN) return undefined;
  return { cost: { N, r, p }, salt, key };
}

/** Constant-time comparison; a malformed stored hash never matches (and never throws). */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await scryptAsync(secret, parsed.salt, parsed.cost);
  return timingSafeEqual(key, parsed.key);
}

/** A PIN is 4 to 12 digits: what a supervisor can type on a tablet's number pad. */
export function pinProblem(pin: string): string | undefined {
  if (!/^\d+$/.test(pin)) return 'a PIN is digits only';
  if (pin.length < 4 || pin.length > 12) return 'a PIN has 4 to 12 digits';
  if (/^(\d)\1+$/.test(pin)) return 'a PIN of one repeated digit is too easy to guess';
  return undefined;
}

/** Badge codes: one rule for the config's users and the workflow's operators (src/core/badge.ts). */
export { badgeProblem } from '../../core/badge.js';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
