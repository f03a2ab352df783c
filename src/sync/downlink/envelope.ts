/**
 * The HQ → station downlink envelope, shared by the station (checks it) and HQ (builds and signs it).
 * See docs/sync.md, "Downlink", for the wire format and the signed byte form.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { StationError, errorMessage } from '../../core/errors.js';
import { canonicalJson } from '../../rules/index.js';

export const DOWNLINK_KINDS = ['rules', 'catalog', 'returns'] as const;
export type DownlinkKind = (typeof DOWNLINK_KINDS)[number];

export interface DownlinkEnvelope {
  kind: DownlinkKind;
  /** Positive whole number HQ increases with every push of a kind; the station applies only a newer one. */
  version: number;
  /** ISO 8601 time HQ issued it (informational; ordering is by `version`). */
  issuedAt: string;
  payload: unknown;
  /** base64 Ed25519 signature over `signedBytes()`; required for rule sets */
  signature?: string;
}

export type DownlinkStatusWord = 'applied' | 'refused' | 'ignored';

/** What the station publishes on `returns/v1/{site}/{station}/downlink/ack`. */
export interface DownlinkAck {
  kind: DownlinkKind | 'unknown';
  /** null when the envelope was too broken to carry one */
  version: number | null;
  /** `all` or the station id: which retained topic the downlink came from */
  target: string;
  status: DownlinkStatusWord;
  code?: string;
  reason?: string;
  /** the version the station holds for this stream after handling the message */
  appliedVersion?: number;
  at: number;
}

const envelopeSchema = z
  .object({
    kind: z.enum(DOWNLINK_KINDS),
    version: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    issuedAt: z.string().min(1).refine((s) => Number.isFinite(Date.parse(s)), 'an ISO 8601 time'),
    payload: z.unknown().refine((p) => typeof p === 'object' && p !== null, 'an object'),
    signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64').optional(),
  })
  .strict();

/** Never throws: a broken message from the broker is a refusal, not a crash. */
export function parseEnvelope(bytes: Buffer | string): { ok: true; envelope: DownlinkEnvelope } | { ok: false; code: string; message: string; kind?: DownlinkKind; version?: number } {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'DOWNLINK_NOT_JSON', message: `The downlink message is not JSON: ${errorMessage(e)}` };
  }
  const p = envelopeSchema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    const where = i?.path.join('.') || '(envelope)';
    // Whatever could be read is echoed in the ack so HQ can tell which push was refused.
    const o = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const kind = (DOWNLINK_KINDS as readonly unknown[]).includes(o.kind) ? (o.kind as DownlinkKind) : undefined;
    const version = typeof o.version === 'number' && Number.isSafeInteger(o.version) ? o.version : undefined;
    return {
      ok: false,
      code: 'DOWNLINK_BAD_ENVELOPE',
      message: `The downlink message is not a valid envelope: ${where}: ${i?.message ?? 'invalid'}`,
      ...(kind ? { kind } : {}),
      ...(version !== undefined ? { version } : {}),
    };
  }
  const env: DownlinkEnvelope = { kind: p.data.kind, version: p.data.version, issuedAt: p.data.issuedAt, payload: p.data.payload };
  if (p.data.signature !== undefined) env.signature = p.data.signature;
  return { ok: true, envelope: env };
}

/** Domain tag inside the signed bytes: a signature made for anything else can never verify here. */
export const SIGNATURE_DOMAIN = 'returns-station/downlink/v1';

/**
 * The bytes HQ signs: UTF-8 of the canonical JSON (keys sorted, no whitespace) of the envelope without its
 * signature plus the site and target of the topic it is published on, so a signed rule set cannot be replayed to
 * another station, site or kind, nor with another version.
 */
export function signedBytes(site: string, target: string, env: Omit<DownlinkEnvelope, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({ domain: SIGNATURE_DOMAIN, site, target, kind: env.kind, version: env.version, issuedAt: env.issuedAt, payload: env.payload }),
    'utf8',
  );
}

export function signEnvelope(site: string, target: string, env: Omit<DownlinkEnvelope, 'signature'>, privateKey: KeyObject): DownlinkEnvelope {
  const signature = sign(null, signedBytes(site, target, env), privateKey).toString('base64');
  return { ...env, signature };
}

export function verifyEnvelope(site: string, target: string, env: DownlinkEnvelope, publicKey: KeyObject): boolean {
  if (env.signature === undefined) return false;
  try {
    return verify(null, signedBytes(site, target, env), publicKey, Buffer.from(env.signature, 'base64'));
  } catch {
    // A signature of the wrong length makes verify() throw; for us it is simply not valid.
    return false;
  }
}

const pemText = (v: string, what: string, setting: string): string => {
  if (v.includes('-----BEGIN')) return v;
  try {
    return readFileSync(v, 'utf8');
  } catch (e) {
    throw new StationError('DOWNLINK_KEY_UNREADABLE', `The ${what} file ${v} (${setting}) could not be read.`, { hint: `Check the path in ${setting}.`, cause: e, details: { setting, path: v } });
  }
};

/** HQ's Ed25519 public key from PEM text or a file path (`hq.publicKey`). */
export function readPublicKey(pemOrPath: string, setting = 'hq.publicKey'): KeyObject {
  const text = pemText(pemOrPath, 'HQ public key', setting);
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (e) {
    throw new StationError('DOWNLINK_KEY_INVALID', `${setting} is not a PEM public key: ${errorMessage(e)}`, { hint: 'Use the .pub.pem file made by `returns-station hq keygen`.', cause: e, details: { setting } });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new StationError('DOWNLINK_KEY_INVALID', `${setting} is a ${key.asymmetricKeyType ?? 'unknown'} key; HQ signs rule sets with Ed25519.`, { hint: 'Use the .pub.pem file made by `returns-station hq keygen`.', details: { setting } });
  }
  return key;
}

export function readPrivateKey(pemOrPath: string, setting = '--key'): KeyObject {
  const text = pemText(pemOrPath, 'HQ signing key', setting);
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (e) {
    throw new StationError('DOWNLINK_KEY_INVALID', `${setting} is not a PEM private key: ${errorMessage(e)}`, { hint: 'Use the .key.pem file made by `returns-station hq keygen`.', cause: e, details: { setting } });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new StationError('DOWNLINK_KEY_INVALID', `${setting} is a ${key.asymmetricKeyType ?? 'unknown'} key; rule sets are signed with Ed25519.`, { hint: 'Make a key pair with `returns-station hq keygen`.', details: { setting } });
  }
  return key;
}
