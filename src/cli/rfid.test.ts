import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../../bin/returns-station.js', import.meta.url).pathname;

/** The real command, as a script would run it: frames on stdin. */
function rfidDecode(args: string[], stdin = 'A0030172EA\n'): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'rfid', 'decode', ...args], { input: stdin, encoding: 'utf8', env: { ...process.env, VITEST: '' }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('rfid decode option values', () => {
  it('an unknown --protocol is CLI_BAD_OPTION listing the protocols, exit 2, no stack trace', () => {
    const r = rfidDecode(['--protocol', 'foo', '--json', '-']);
    expect(r.status).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!) as { ok: boolean; error: { code: string; message: string; details: { valid: string[] } } };
    expect(out).toMatchObject({ ok: false, error: { code: 'CLI_BAD_OPTION', details: { option: '--protocol', value: 'foo' } } });
    expect(out.error.details.valid).toEqual(expect.arrayContaining(['r2000', 'chafon', 'thingmagic', 'bb7e', 'ascii']));
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at |Error:/);
  });

  it('an unknown --direction is refused with the valid values instead of being echoed', () => {
    const r = rfidDecode(['--protocol', 'r2000', '--direction', 'sideways', '-']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('returns-station: error CLI_BAD_OPTION: --direction "sideways" is not accepted; use reader, host.');
  });

  it('a valid --direction still decodes', () => {
    const r = rfidDecode(['--protocol', 'r2000', '--direction', 'reader', '--json', '-']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ ok: true, frame: { protocol: 'r2000', direction: 'reader' } });
  });
});
