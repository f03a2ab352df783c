import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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

/** Frames from fixtures/vectors/rfid-frames.json (each vector names its public source). */
interface FrameVector {
  id: string;
  hex?: string;
  checksumValid?: boolean;
  decoded?: Record<string, unknown>;
}
const vectorFile = new URL('../../fixtures/vectors/rfid-frames.json', import.meta.url);
const frameVectors = (JSON.parse(readFileSync(vectorFile, 'utf8')) as { vectors: FrameVector[] }).vectors;
const vec = (id: string): FrameVector => frameVectors.find((v) => v.id === id)!;

describe('rfid decode --json: the interface integrators rely on', () => {
  it('prints one JSON object per line: tags with epc/pc/rssiRaw/antenna, or the error code', () => {
    const tag = vec('r2000-008');
    const bad = vec('r2000-007');
    const bb = vec('m100-bb7e-005');
    // Spaces between bytes are allowed, as in a capture pasted from a terminal.
    const spaced = tag.hex!.replace(/(..)/g, '$1 ').trim();
    const r = rfidDecode(['--protocol', 'r2000', '--json', '-'], `${spaced}\n${bad.hex!}\nA0 13 01\n`);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    const d = tag.decoded!;
    expect(lines[0]).toMatchObject({
      ok: true,
      frame: { command: 0x89, address: 1, tags: [{ epc: d.epc, pc: d.pc, rssiRaw: Number.parseInt(String(d.rssiRaw).slice(2), 16), antenna: (d.antennaId as number) + 1 }] },
    });
    expect(lines[1]).toEqual({ ok: false, error: expect.objectContaining({ code: 'BAD_CHECKSUM' }) as unknown });
    expect(lines[2]).toEqual({ ok: false, error: expect.objectContaining({ code: 'BAD_LENGTH' }) as unknown });

    const m = rfidDecode(['--protocol', 'bb7e', '--json', '-'], `${bb.hex!}\n`);
    expect(JSON.parse(m.stdout.trim())).toMatchObject({ ok: true, frame: { command: 0x22, tags: [{ epc: bb.decoded!.epc, pc: bb.decoded!.pc, rssiRaw: 0xc9, antenna: 1 }] } });
  });
});

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, VITEST: '' }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('emulate-reader and rfid read refuse bad input with one line, never a stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-rfid-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[name: string, args: () => string[], status: number, line: RegExp]> = [
    ['--tcp abc', () => ['emulate-reader', '--protocol', 'r2000', '--tcp', 'abc'], 2, /^returns-station: error CLI_BAD_OPTION: --tcp "abc"/],
    ['a missing scenario file', () => ['emulate-reader', '--protocol', 'r2000', '--tcp', '0', '--scenario', join(dir, 'none.json')], 1, /^returns-station: error SCENARIO_UNREADABLE: /],
    [
      'a scenario with a misspelt key',
      () => {
        const f = join(dir, 'typo.json');
        writeFileSync(f, JSON.stringify({ tags: [{ epc: 'E2001021511800880490E133', antena: 2 }] }));
        return ['emulate-reader', '--protocol', 'r2000', '--tcp', '0', '--scenario', f];
      },
      1,
      /^returns-station: error SCENARIO_INVALID: .*tags\.0: .*"antena"/,
    ],
    ['a serial device that does not exist', () => ['emulate-reader', '--protocol', 'chafon', '--serial', join(dir, 'no-pty')], 1, /^returns-station: error PORT_NOT_FOUND: /],
    ['rfid read --baud abc', () => ['rfid', 'read', '--protocol', 'r2000', '--serial', join(dir, 'x'), '--baud', 'abc'], 2, /^returns-station: error CLI_BAD_OPTION: --baud "abc"/],
    ['rfid read --tcp host:', () => ['rfid', 'read', '--protocol', 'r2000', '--tcp', 'reader:'], 2, /^returns-station: error CLI_BAD_OPTION: --tcp "reader:"/],
    ['rfid read --antennas 1,x', () => ['rfid', 'read', '--protocol', 'r2000', '--tcp', '4001', '--antennas', '1,x'], 2, /^returns-station: error CLI_BAD_OPTION: --antennas "1,x"/],
  ];
  for (const [name, args, status, line] of cases) {
    it(`${name}: exit ${status}`, () => {
      const r = cli(args());
      expect(r.status).toBe(status);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('returns-station:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('rfid decode <input>', () => {
  const capDir = mkdtempSync(join(tmpdir(), 'rfid-decode-'));
  afterAll(() => rmSync(capDir, { recursive: true, force: true }));

  it('reads the capture file it is given, not stdin', () => {
    const file = join(capDir, 'capture.txt');
    writeFileSync(file, '# captured\nA0030172EA\n');
    // stdin holds a bad frame: had it been read, a BAD_HEX line would show.
    const r = rfidDecode(['--protocol', 'r2000', '--json', file], 'zz\n');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ ok: true, frame: { protocol: 'r2000' } });
    expect(r.stderr).toContain('decoded 1, rejected 0');
  });

  it('a missing file is RFID_INPUT_UNREADABLE naming it, exit 1, with --json on stdout', () => {
    const missing = join(capDir, 'nonexistent');
    const r = rfidDecode(['--protocol', 'r2000', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`returns-station: error RFID_INPUT_UNREADABLE: Cannot read the capture file ${missing}: it does not exist. (Give a file of hex frames (one per line), or - to read them from stdin.)`);
    const j = rfidDecode(['--protocol', 'r2000', '--json', missing]);
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'RFID_INPUT_UNREADABLE', details: { path: missing } } });
  });

  it('a folder is refused the same way', () => {
    const r = rfidDecode(['--protocol', 'r2000', capDir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error RFID_INPUT_UNREADABLE: ');
    expect(r.stderr).toContain('it is a folder');
  });
});
