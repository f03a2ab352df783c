import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isStationError } from '../../core/errors.js';
import { parseEnvelope, readPrivateKey, readPublicKey, signEnvelope, signedBytes, verifyEnvelope, type DownlinkEnvelope } from './envelope.js';

const env: Omit<DownlinkEnvelope, 'signature'> = { kind: 'catalog', version: 3, issuedAt: '2026-12-01T00:00:00.000Z', payload: { b: [true, null], a: 1 } };

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isStationError(e) ? e.code : 'not a StationError';
  }
  return undefined;
};

describe('downlink envelope', () => {
  it('signs the canonical form documented in docs/sync.md (keys sorted, no whitespace, site and target included)', () => {
    expect(signedBytes('dc-1', 'all', env).toString('utf8')).toBe(
      '{"domain":"returns-station/downlink/v1","issuedAt":"2026-12-01T00:00:00.000Z","kind":"catalog","payload":{"a":1,"b":[true,null]},"site":"dc-1","target":"all","version":3}',
    );
    // The order keys arrive in does not matter: the station re-serialises what it parsed.
    const reordered = JSON.parse('{"payload":{"a":1,"b":[true,null]},"version":3,"kind":"catalog","issuedAt":"2026-12-01T00:00:00.000Z"}') as typeof env;
    expect(signedBytes('dc-1', 'all', reordered).equals(signedBytes('dc-1', 'all', env))).toBe(true);
  });

  it('a signature verifies only for the site, target, kind, version and payload it was made for', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signed = signEnvelope('dc-1', 'dock-3', env, privateKey);
    expect(verifyEnvelope('dc-1', 'dock-3', signed, publicKey)).toBe(true);
    // What arrives is JSON: a round trip through the wire keeps it valid.
    const wire = parseEnvelope(JSON.stringify(signed));
    expect(wire.ok && verifyEnvelope('dc-1', 'dock-3', wire.envelope, publicKey)).toBe(true);
    expect(verifyEnvelope('dc-2', 'dock-3', signed, publicKey)).toBe(false);
    expect(verifyEnvelope('dc-1', 'all', signed, publicKey)).toBe(false);
    expect(verifyEnvelope('dc-1', 'dock-3', { ...signed, version: 4 }, publicKey)).toBe(false);
    expect(verifyEnvelope('dc-1', 'dock-3', { ...signed, kind: 'returns' }, publicKey)).toBe(false);
    expect(verifyEnvelope('dc-1', 'dock-3', { ...signed, payload: { a: 2, b: [true, null] } }, publicKey)).toBe(false);
    expect(verifyEnvelope('dc-1', 'dock-3', { ...signed, signature: 'AAAA' }, publicKey)).toBe(false);
    expect(verifyEnvelope('dc-1', 'dock-3', { ...env }, publicKey)).toBe(false);
    const other = generateKeyPairSync('ed25519');
    expect(verifyEnvelope('dc-1', 'dock-3', signed, other.publicKey)).toBe(false);
  });

  it('parses anything without throwing; broken input is a coded refusal', () => {
    const bad: Array<[string | Buffer, string]> = [
      ['', 'DOWNLINK_NOT_JSON'],
      [Buffer.from([0xff, 0x00]), 'DOWNLINK_NOT_JSON'],
      ['null', 'DOWNLINK_BAD_ENVELOPE'],
      ['"rules"', 'DOWNLINK_BAD_ENVELOPE'],
      ['{"kind":"rules","version":1.5,"issuedAt":"2026-12-01","payload":{}}', 'DOWNLINK_BAD_ENVELOPE'],
      ['{"kind":"rules","version":1,"issuedAt":"someday","payload":{}}', 'DOWNLINK_BAD_ENVELOPE'],
      ['{"kind":"firmware","version":1,"issuedAt":"2026-12-01","payload":{}}', 'DOWNLINK_BAD_ENVELOPE'],
      ['{"kind":"rules","version":1,"issuedAt":"2026-12-01","payload":null}', 'DOWNLINK_BAD_ENVELOPE'],
      ['{"kind":"rules","version":1,"issuedAt":"2026-12-01","payload":{},"extra":1}', 'DOWNLINK_BAD_ENVELOPE'],
      ['{"kind":"rules","version":1,"issuedAt":"2026-12-01","payload":{},"signature":"not base64!"}', 'DOWNLINK_BAD_ENVELOPE'],
    ];
    for (const [input, code] of bad) {
      const r = parseEnvelope(input);
      expect(r.ok ? 'ok' : r.code, String(input)).toBe(code);
    }
    // What could be read is kept for the acknowledgement.
    const r = parseEnvelope('{"kind":"rules","version":7,"issuedAt":"x","payload":{}}');
    expect(r.ok ? undefined : { kind: r.kind, version: r.version }).toEqual({ kind: 'rules', version: 7 });
  });

  it('keys: only Ed25519 PEM is accepted, with a code naming the setting', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(codeOf(() => readPublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()))).toBe('DOWNLINK_KEY_INVALID');
    expect(codeOf(() => readPublicKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n'))).toBe('DOWNLINK_KEY_INVALID');
    expect(codeOf(() => readPublicKey('/nonexistent/hq.pub.pem'))).toBe('DOWNLINK_KEY_UNREADABLE');
    expect(codeOf(() => readPrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()))).toBe('DOWNLINK_KEY_INVALID');
    const ed = generateKeyPairSync('ed25519');
    expect(readPublicKey(ed.publicKey.export({ type: 'spki', format: 'pem' }).toString()).asymmetricKeyType).toBe('ed25519');
  });
});
