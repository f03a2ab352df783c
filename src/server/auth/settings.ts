import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import Fastify, { type FastifyHttpsOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AuthConfig, StationConfig } from '../../config/schema.js';
import { StationError } from '../../core/errors.js';
import { checkBindPolicy, isTrustedProxy } from './net.js';

/** What access control needs from the config: the bind, TLS or proxy, and the users. */
export interface AccessSettings {
  host: string;
  tls?: { cert: string; key: string } | undefined;
  behindProxy: boolean | string[];
  auth: AuthConfig;
}

export const DEFAULT_AUTH: AuthConfig = { users: [], sessionIdleMinutes: 30, sessionMaxHours: 12, loopbackRole: 'operator', maxLoginFailures: 5 };

export function accessSettingsFromConfig(cfg: Pick<StationConfig, 'http' | 'auth'>): AccessSettings {
  return { host: cfg.http.host, tls: cfg.http.tls, behindProxy: cfg.http.behindProxy ?? false, auth: cfg.auth };
}

/**
 * The route context is generic in http.ts; when it carries the station's config (StationContext does), its http and
 * auth keys are used. Without one the server is loopback-only with no users, which is what unit tests build.
 */
export function accessSettingsFrom(ctx: unknown): AccessSettings {
  const cfg = (ctx as { config?: Partial<StationConfig> } | undefined)?.config;
  if (cfg?.http) return accessSettingsFromConfig({ http: cfg.http, auth: cfg.auth ?? DEFAULT_AUTH });
  return { host: '127.0.0.1', behindProxy: false, auth: DEFAULT_AUTH };
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new StationError('HTTP_TLS_UNREADABLE', `Cannot read ${key} (${path}); the station cannot serve HTTPS without it.`, {
      cause: e,
      hint: `Check the path in ${key} and that the station's user may read the file.`,
      details: { key, path },
    });
  }
}

/**
 * Builds the Fastify instance for these settings: refuses an unprotected LAN bind first, serves HTTPS when
 * http.tls is set, and believes X-Forwarded-* only from the proxies http.behindProxy names.
 */
export function createFastify(s: AccessSettings, base: FastifyServerOptions): FastifyInstance {
  checkBindPolicy(s);
  const trustProxy = (addr: string): boolean => isTrustedProxy(addr, s.behindProxy);
  if (s.tls) {
    const https = { cert: readPem(s.tls.cert, 'http.tls.cert'), key: readPem(s.tls.key, 'http.tls.key') };
    // The HTTPS instance has the same API as the HTTP one; only the server type parameter differs.
    const options: FastifyHttpsOptions<HttpsServer> = { ...(base as FastifyHttpsOptions<HttpsServer>), https, trustProxy };
    return Fastify(options) as unknown as FastifyInstance;
  }
  return Fastify({ ...base, trustProxy });
}
