import type { UserConfig } from '../../config/schema.js';
import { DEFAULT_COST, hashSecret, verifySecret } from './secrets.js';
import type { SessionUser } from './sessions.js';

export type Credentials = { user: string; pin: string } | { badge: string };

export type AuthOutcome = { ok: true; user: SessionUser; method: 'pin' | 'badge' } | { ok: false };

/** A hash of nothing in particular, verified for unknown users so a miss takes as long as a wrong PIN. */
let decoy: Promise<string> | undefined;
function decoyHash(): Promise<string> {
  decoy ??= hashSecret('decoy-never-matches', DEFAULT_COST);
  return decoy;
}

/** The users from `auth.users` in the config. The answer never says whether the user or the PIN was wrong. */
export class UserDirectory {
  constructor(private readonly users: readonly UserConfig[]) {}

  get size(): number {
    return this.users.length;
  }

  async authenticate(c: Credentials): Promise<AuthOutcome> {
    if ('pin' in c) {
      const u = this.users.find((x) => x.id === c.user);
      const stored = u?.pinHash ?? (await decoyHash());
      const good = await verifySecret(c.pin, stored);
      return good && u ? { ok: true, user: view(u), method: 'pin' } : { ok: false };
    }
    const badge = c.badge.trim();
    // Badges are salted like PINs, so each user's hash is tried; a station has tens of users, not thousands.
    const withBadge = this.users.filter((u) => u.badgeHash !== undefined);
    const results = await Promise.all(withBadge.map(async (u) => ((await verifySecret(badge, u.badgeHash ?? '')) ? u : undefined)));
    if (withBadge.length === 0) await verifySecret(badge, await decoyHash());
    const u = results.find((x) => x !== undefined);
    return u ? { ok: true, user: view(u), method: 'badge' } : { ok: false };
  }
}

function view(u: UserConfig): SessionUser {
  return { id: u.id, ...(u.name ? { name: u.name } : {}), role: u.role };
}
