/** Just enough cookie handling for one session cookie; values we set are base64url, so no escaping is needed. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{1,200}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSec: number;
  secure: boolean;
}

/**
 * HttpOnly (scripts cannot read it), SameSite=Strict (no other site's page sends it), Path=/. Under TLS the cookie
 * is Secure and takes the `__Host-` prefix, which browsers only accept without a Domain, so no sibling host can set it.
 */
export function sessionCookie(name: string, value: string, o: CookieOptions): string {
  const attrs = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(o.maxAgeSec))}`];
  if (o.secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function cookieName(secure: boolean): string {
  return secure ? '__Host-rs_session' : 'rs_session';
}
