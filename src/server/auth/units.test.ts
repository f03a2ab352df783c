import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCookie, sessionCookie } from './cookies.js';
import { checkBindPolicy, isLoopbackAddress, isLoopbackBindHost, isLoopbackHostHeader, isTrustedProxy } from './net.js';
import { badgeProblem, hashSecret, parseHash, pinProblem, verifySecret } from './secrets.js';
import { roleAtLeast, SessionStore } from './sessions.js';
import { LoginThrottle } from './throttle.js';
import { UserDirectory } from './users.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('secrets', () => {
  it('a PIN verifies against its own hash and no other', async () => {
    const h = await hashSecret('4821', FAST);
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifySecret('4821', h)).toBe(true);
    expect(await verifySecret('4822', h)).toBe(false);
    expect(h).not.toContain('4821');
  });

  it('two hashes of the same PIN differ (salted)', async () => {
    expect(await hashSecret('4821', FAST)).not.toBe(await hashSecret('4821', FAST));
  });

  it('a malformed or greedy stored hash never matches and never throws', async () => {
    for (const bad of ['', 'scrypt$', 'bcrypt$x', 'scrypt$3$8$1$AAAAAAAAAAA$AAAA', 'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      expect(await verifySecret('1234', bad)).toBe(false);
    }
    fc.assert(fc.property(fc.string(), (s) => parseHash(s) === undefined || s.startsWith('scrypt$')));
  });

  it('PIN and badge rules', () => {
    expect(pinProblem('4821')).toBeUndefined();
    expect(pinProblem('12a4')).toMatch(/digits only/);
    expect(pinProblem('123')).toMatch(/4 to 12/);
    expect(pinProblem('0000')).toMatch(/repeated/);
    expect(badgeProblem('EMP-00042')).toBeUndefined();
    expect(badgeProblem('42')).toMatch(/at least 4/);
    // The demo's badges (B-100) are 5 characters, and the operator screen takes them: so does `user add`.
    expect(badgeProblem('B-100')).toBeUndefined();
  });
});

describe('network rules', () => {
  it('knows loopback addresses, including IPv4-mapped ones', () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1', '[::1]']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.1', '0.0.0.0', '::', '::ffff:10.0.0.1', '', undefined, '127.example.com']) expect(isLoopbackAddress(a)).toBe(false);
    expect(isLoopbackBindHost('localhost')).toBe(true);
    expect(isLoopbackBindHost('0.0.0.0')).toBe(false);
  });

  it('a Host header naming another site is not local, even from 127.0.0.1 (DNS rebinding)', () => {
    expect(isLoopbackHostHeader('127.0.0.1:8080')).toBe(true);
    expect(isLoopbackHostHeader('localhost')).toBe(true);
    expect(isLoopbackHostHeader('[::1]:8080')).toBe(true);
    expect(isLoopbackHostHeader('evil.example:8080')).toBe(false);
    expect(isLoopbackHostHeader(undefined)).toBe(false);
  });

  it('refuses a clear-text LAN bind and names the setting to change', () => {
    expect(() => checkBindPolicy({ host: '127.0.0.1', behindProxy: false })).not.toThrow();
    try {
      checkBindPolicy({ host: '0.0.0.0', behindProxy: false });
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('HTTP_BIND_REFUSED');
      expect((e as { hint: string }).hint).toMatch(/http\.tls/);
    }
    expect(() => checkBindPolicy({ host: '0.0.0.0', behindProxy: false, tls: { cert: 'c', key: 'k' } })).not.toThrow();
    expect(() => checkBindPolicy({ host: '0.0.0.0', behindProxy: true })).not.toThrow();
  });

  it('believes forwarding headers only from the named proxies', () => {
    expect(isTrustedProxy('127.0.0.1', true)).toBe(true);
    expect(isTrustedProxy('10.0.0.9', true)).toBe(false);
    expect(isTrustedProxy('10.0.0.9', ['10.0.0.9'])).toBe(true);
    expect(isTrustedProxy('::ffff:10.0.0.9', ['10.0.0.9'])).toBe(true);
    expect(isTrustedProxy('127.0.0.1', false)).toBe(false);
  });
});

describe('sessions', () => {
  it('expire after the idle time, and after the maximum age however active', () => {
    let t = 1_000_000;
    const store = new SessionStore({ idleMs: 60_000, maxMs: 300_000 }, () => t);
    const { token } = store.create({ id: 'ana', role: 'supervisor' }, 'pin');
    t += 59_000;
    expect(store.get(token)?.user.id).toBe('ana');
    t += 59_000;
    expect(store.get(token)).toBeDefined();
    t += 61_000;
    expect(store.get(token)).toBeUndefined();

    const b = store.create({ id: 'bo', role: 'operator' }, 'badge');
    for (let i = 0; i < 6; i++) {
      t += 50_000;
      store.get(b.token);
    }
    expect(store.get(b.token)).toBeUndefined();
  });

  it('tokens are random and a destroyed one is gone', () => {
    const store = new SessionStore({ idleMs: 60_000, maxMs: 300_000 });
    const a = store.create({ id: 'a', role: 'admin' }, 'pin');
    const b = store.create({ id: 'a', role: 'admin' }, 'pin');
    expect(a.token).not.toBe(b.token);
    expect(a.session.csrfToken).not.toBe(a.token);
    store.destroy(a.token);
    expect(store.get(a.token)).toBeUndefined();
    store.destroyUser('a');
    expect(store.size).toBe(0);
  });

  it('roles rank operator < supervisor < admin', () => {
    expect(roleAtLeast('admin', 'supervisor')).toBe(true);
    expect(roleAtLeast('operator', 'supervisor')).toBe(false);
  });
});

describe('login throttle', () => {
  it('locks a key after the configured failures and frees it after the window', () => {
    let t = 0;
    const th = new LoginThrottle(3, 60_000, () => t);
    for (let i = 0; i < 3; i++) th.fail(['ip:x']);
    expect(th.retryAfterMs(['ip:x'])).toBe(60_000);
    expect(th.retryAfterMs(['ip:y'])).toBe(0);
    t += 60_001;
    expect(th.retryAfterMs(['ip:x'])).toBe(0);
  });
});

describe('users', () => {
  it('signs in by user + PIN or by badge, and never says which part was wrong', async () => {
    const dir = new UserDirectory([
      { id: 'ana', role: 'supervisor', pinHash: await hashSecret('4821', FAST) },
      { id: 'bo', role: 'operator', badgeHash: await hashSecret('EMP-00042', FAST) },
    ]);
    expect(await dir.authenticate({ user: 'ana', pin: '4821' })).toEqual({ ok: true, user: { id: 'ana', role: 'supervisor' }, method: 'pin' });
    expect(await dir.authenticate({ user: 'ana', pin: '4822' })).toEqual({ ok: false });
    expect(await dir.authenticate({ user: 'nobody', pin: '4821' })).toEqual({ ok: false });
    expect(await dir.authenticate({ badge: ' EMP-00042 ' })).toMatchObject({ ok: true, user: { id: 'bo' }, method: 'badge' });
    expect(await dir.authenticate({ badge: 'EMP-00043' })).toEqual({ ok: false });
    // A user with a badge only cannot sign in with a PIN.
    expect(await dir.authenticate({ user: 'bo', pin: '4821' })).toEqual({ ok: false });
  });
});

describe('cookies', () => {
  it('the session cookie is HttpOnly and SameSite=Strict, Secure only under TLS', () => {
    const plain = sessionCookie('rs_session', 'abc', { maxAgeSec: 60, secure: false });
    expect(plain).toBe('rs_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(sessionCookie('__Host-rs_session', 'abc', { maxAgeSec: 60, secure: true })).toMatch(/; Secure$/);
    expect(readCookie('a=1; rs_session=tok_en-1', 'rs_session')).toBe('tok_en-1');
    expect(readCookie('rs_session=bad value;', 'rs_session')).toBeUndefined();
  });
});
