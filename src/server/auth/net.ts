import { isIP } from 'node:net';
import { StationError } from '../../core/errors.js';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: the machine itself. */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.toLowerCase().replace(/^\[|\]$/g, '');
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** A bind host that only the machine itself can reach. `localhost` counts; `0.0.0.0` and `::` do not. */
export function isLoopbackBindHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}

/**
 * The Host header of a request meant for this machine: `localhost`, `127.x.x.x` or `[::1]`, with any port.
 * Checking it defeats DNS rebinding, where a web page makes a browser on this machine talk to us under its own name.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(host.trim());
  if (!m?.[1]) return false;
  return isLoopbackBindHost(m[1]);
}

export interface BindSettings {
  host: string;
  tls?: { cert: string; key: string } | undefined;
  behindProxy: boolean | string[];
}

/** Refuses to start a plain-HTTP server on the LAN: PINs and session cookies would cross the network in clear. */
export function checkBindPolicy(s: BindSettings): void {
  if (isLoopbackBindHost(s.host)) return;
  if (s.tls) return;
  if (s.behindProxy !== false) return;
  throw new StationError('HTTP_BIND_REFUSED', `The station will not listen on ${s.host} without encryption: PINs would cross the network in clear.`, {
    hint: 'Keep http.host at 127.0.0.1, or set http.tls (cert and key files), or put a TLS reverse proxy in front and set http.behindProxy (see docs/kiosk.md).',
    details: { key: 'http.host', host: s.host },
  });
}

/** Which peers may speak for the client through X-Forwarded-* headers: loopback for `true`, else the listed ones. */
export function isTrustedProxy(peer: string | undefined, behindProxy: boolean | string[]): boolean {
  if (behindProxy === false || !peer) return false;
  if (behindProxy === true) return isLoopbackAddress(peer);
  const p = peer.replace(/^::ffff:/, '');
  return isLoopbackAddress(peer) || behindProxy.includes(p);
}
