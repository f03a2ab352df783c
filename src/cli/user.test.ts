import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../config/load.js';
import { UserDirectory } from '../server/auth/users.js';
import { addUser, listUsers, removeUser } from './user.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('returns-station user', () => {
  it('adds users to an existing config, keeping its comments, storing only hashes', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rs-user-')), 'station.yaml');
    writeFileSync(file, '# dock A\nsite: dock-a # where\n');
    await addUser(file, { id: 'ana', name: 'Ana', role: 'supervisor', pin: '4821' }, { cost: FAST });
    await addUser(file, { id: 'bo', role: 'operator', badge: 'EMP-00042' }, { cost: FAST });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# dock A');
    expect(text).toContain('site: dock-a # where');
    expect(text).not.toContain('4821');
    expect(text).not.toContain('EMP-00042');
    const cfg = loadConfigFile(file);
    expect(cfg.site).toBe('dock-a');
    const dir = new UserDirectory(cfg.auth.users);
    expect(await dir.authenticate({ user: 'ana', pin: '4821' })).toMatchObject({ ok: true, user: { role: 'supervisor' } });
    expect(await dir.authenticate({ badge: 'EMP-00042' })).toMatchObject({ ok: true, user: { id: 'bo' } });
    expect(listUsers(file)).toEqual([
      { id: 'ana', name: 'Ana', role: 'supervisor', pin: true, badge: false },
      { id: 'bo', role: 'operator', pin: false, badge: true },
    ]);
  });

  it('creates a missing config file readable by its owner only', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rs-user-')), 'new.yaml');
    await addUser(file, { id: 'ana', role: 'admin', pin: '4821' }, { cost: FAST });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses weak PINs, duplicates (without --replace) and users without a secret, by code', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rs-user-')), 's.yaml');
    await expect(addUser(file, { id: 'a', role: 'supervisor', pin: '1111' }, { cost: FAST })).rejects.toMatchObject({ code: 'USER_WEAK_PIN' });
    await expect(addUser(file, { id: 'a', role: 'supervisor' }, { cost: FAST })).rejects.toMatchObject({ code: 'USER_NO_SECRET' });
    await expect(addUser(file, { id: 'a b', role: 'supervisor', pin: '4821' }, { cost: FAST })).rejects.toMatchObject({ code: 'USER_BAD_ID' });
    await addUser(file, { id: 'a', role: 'supervisor', pin: '4821' }, { cost: FAST });
    await expect(addUser(file, { id: 'a', role: 'admin', pin: '9876' }, { cost: FAST })).rejects.toMatchObject({ code: 'USER_EXISTS' });
    await addUser(file, { id: 'a', role: 'admin', pin: '9876' }, { cost: FAST, replace: true });
    expect(listUsers(file)).toEqual([{ id: 'a', role: 'admin', pin: true, badge: false }]);
    expect(removeUser(file, 'a')).toBe(true);
    expect(removeUser(file, 'a')).toBe(false);
    expect(listUsers(file)).toEqual([]);
  });

  it('refuses a badge that already belongs to another user (it would always sign in as the first)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rs-user-')), 's.yaml');
    await addUser(file, { id: 'bo', role: 'operator', badge: 'B-1001' }, { cost: FAST });
    await expect(addUser(file, { id: 'newbo', role: 'operator', badge: ' B-1001' }, { cost: FAST })).rejects.toMatchObject({ code: 'USER_BADGE_TAKEN' });
    // The same user may get the same badge again (e.g. with --replace to change the role).
    await addUser(file, { id: 'bo', role: 'supervisor', badge: 'B-1001' }, { cost: FAST, replace: true });
    await addUser(file, { id: 'cy', role: 'operator', badge: 'B-1002' }, { cost: FAST });
    expect(listUsers(file).map((x) => x.id)).toEqual(['bo', 'cy']);
  });
});
