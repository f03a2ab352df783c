import { readConfigFile } from '../config/load.js';
import type { StationConfig } from '../config/schema.js';
import { createLogger } from '../core/logger.js';
import type { MqttSettings } from '../sync/connection.js';

const log = createLogger('station.mqtt');

/**
 * The broker login and TLS settings of `mqtt.*` for the publisher (issue 7). The password file is read here, at
 * start; certificate paths are passed on as paths, because the connection reads them on every connect and so picks
 * up a renewed certificate without a restart.
 */
export function mqttSettings(cfg: StationConfig, url: string): MqttSettings {
  const m = cfg.mqtt;
  const s: MqttSettings = { keepalive: m.keepaliveSec, rejectUnauthorized: m.rejectUnauthorized };
  if (m.username !== undefined) s.username = m.username;
  if (m.password !== undefined) s.password = m.password;
  // One trailing newline is what `echo secret > file` leaves; it is not part of the password.
  if (m.passwordFile !== undefined) s.password = readConfigFile('mqtt.passwordFile', m.passwordFile).toString('utf8').replace(/\r?\n$/, '');
  if (m.ca !== undefined) s.ca = m.ca;
  if (m.cert !== undefined) s.cert = m.cert;
  if (m.key !== undefined) s.key = m.key;
  if (s.password !== undefined && /^(mqtt|ws):\/\//.test(url) && !/^[a-z]+:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url)) {
    log.warn({ url }, 'the broker password is sent unencrypted: use mqtts:// (or wss://) for a broker beyond this machine');
  }
  return s;
}
