import { createHash } from 'node:crypto';
import { randomToken } from './secrets.js';

export type Role = 'operator' | 'supervisor' | 'admin';
const RANK: Record<Role, number> = { operator: 1, supervisor: 2, admin: 3 };

export function roleAtLeast(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export interface SessionUser {
  id: string;
  name?: string | undefined;
  role: Role;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  method: 'pin' | 'badge';
}

export interface SessionLimits {
  idleMs: number;
  maxMs: number;
}

/**
 * Sessions live in memory on purpose: a station restart signs everyone out, and a copied database holds no live
 * session. The map is keyed by a hash of the cookie value so a heap dump does not hand out usable cookies.
 */
export class SessionStore {
  private readonly byKey = new Map<string, Session>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly now: () => number = () => Date.now(),
  ) {}

  private static key(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  create(user: SessionUser, method: Session['method']): { token: string; session: Session } {
    this.sweep();
    const token = randomToken();
    const t = this.now();
    const session: Session = { user, csrfToken: randomToken(), createdAt: t, lastSeenAt: t, method };
    this.byKey.set(SessionStore.key(token), session);
    return { token, session };
  }

  /** The live session for a cookie value, touched; undefined once idle or past its maximum age. */
  get(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const k = SessionStore.key(token);
    const s = this.byKey.get(k);
    if (!s) return undefined;
    const t = this.now();
    if (this.expired(s, t)) {
      this.byKey.delete(k);
      return undefined;
    }
    s.lastSeenAt = t;
    return s;
  }

  destroy(token: string | undefined): void {
    if (token) this.byKey.delete(SessionStore.key(token));
  }

  /** Ends every session of a user (removed from the config, PIN changed). */
  destroyUser(userId: string): void {
    for (const [k, s] of this.byKey) if (s.user.id === userId) this.byKey.delete(k);
  }

  expiresAt(s: Session): number {
    return Math.min(s.lastSeenAt + this.limits.idleMs, s.createdAt + this.limits.maxMs);
  }

  get size(): number {
    return this.byKey.size;
  }

  private expired(s: Session, t: number): boolean {
    return t >= this.expiresAt(s);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, s] of this.byKey) if (this.expired(s, t)) this.byKey.delete(k);
  }
}
