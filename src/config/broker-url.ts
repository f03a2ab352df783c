/**
 * The broker addresses this product connects to, for the station (`mqtt.url`) and the HQ commands (`--broker`): one
 * check, so both refuse the same URLs with the same reason.
 *
 * MQTT over TCP, TLS, WebSocket and secure WebSocket (docs/sync.md). MQTT.js itself takes more (tcp:, tls:, wx: …),
 * but it also "connects" to http:// or ftp:// as plain MQTT, and to 127.0.0.1:1883 for `mqtt://` without a host: a
 * station configured that way would silently send its events to the wrong place or nowhere.
 */
export const BROKER_PROTOCOLS = ['mqtt', 'mqtts', 'ws', 'wss'] as const;

export const BROKER_URL_EXAMPLE = 'an MQTT URL such as mqtt://host:1883 or mqtts://host:8883';

/** Why `url` is not a broker address the station or HQ can use, or undefined when it is one. */
export function brokerUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL; use ${BROKER_URL_EXAMPLE}`;
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (!(BROKER_PROTOCOLS as readonly string[]).includes(scheme)) {
    return `${scheme}:// is not a broker protocol; use mqtt://, mqtts:// (TLS), ws:// or wss:// (MQTT over WebSocket), e.g. mqtts://host:8883`;
  }
  if (u.hostname === '') return `"${url}" names no broker host; use ${BROKER_URL_EXAMPLE}`;
  return undefined;
}
