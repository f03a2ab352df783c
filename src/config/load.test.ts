import { describe, expect, it } from 'vitest';
import { StationError } from '../core/errors.js';
import { parseConfig } from './load.js';

describe('config', () => {
  it('runs on defaults alone', () => {
    const c = parseConfig({});
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.readers[0]?.protocol).toBe('r2000');
  });

  it('names the bad key in the message', () => {
    try {
      parseConfig({ readers: [{ baudRate: 'fast' }], http: { prot: 1 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StationError);
      const se = e as StationError;
      expect(se.code).toBe('CONFIG_INVALID');
      expect(se.message).toContain('readers[0].baudRate');
      expect(se.message).toContain('http.prot: unknown setting');
    }
  });

  it('refuses a keepalive above 300 s (MQTT keepalive is in seconds)', () => {
    expect(() => parseConfig({ mqtt: { keepaliveSec: 60_000 } })).toThrow(/mqtt.keepaliveSec/);
  });
});
