import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { identifyLines, register, resultToJson } from './identity.js';
import { identify } from '../identity/index.js';

async function runCli(args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'returns-station', ...args]);
    return { out, err, code: process.exitCode as number | undefined };
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
    process.exitCode = before;
  }
}

afterEach(() => vi.restoreAllMocks());

describe('identify CLI', () => {
  it('prints one JSON object with ais in AI order', async () => {
    const { out } = await runCli(['identify', '--json', '0110884521761599112107011021G0073JZ<GS>2023']);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0] ?? '') as { ok: boolean; identity: { gtin: string; lot: string; ais: Record<string, string> } };
    expect(j.ok).toBe(true);
    expect(j.identity.gtin).toBe('10884521761599');
    expect(lines[0]).toMatch(/"ais":\{"01":"10884521761599","10":"21G0073JZ"/);
  });

  it('BUG-31: the human output shows trade measures with their decimals and unit (3103 → 0.035 kg)', async () => {
    const { out } = await runCli(['identify', '01984567890145333103000035']);
    expect(out).toContain('gtin: 98456789014533');
    expect(out).toMatch(/\(3103\) 000035 +NET WEIGHT \(kg\) 0\.035/);
    expect((await runCli(['identify', '0198456789014533320200125' + '0'])).out).toMatch(/\(3202\) 001250 +NET WEIGHT \(lb\) 12\.50/);
  });

  it('epc encode without --scheme for a pure identity URI asks for the scheme (exit 2), a tag URI needs none', async () => {
    expect((await runCli(['epc', 'encode', 'urn:epc:id:sgtin:0614141.812345.6789'])).code).toBe(2);
    expect((await runCli(['epc', 'encode', 'urn:epc:tag:sgtin-96:3.0614141.812345.6789'])).out.trim()).toBe('3074257BF7194E4000001A85');
  });

  it('errors are JSON with a code and a non-zero exit', async () => {
    const { out, code } = await runCli(['identify', '--json', '4311501062448']);
    expect(JSON.parse(out)).toMatchObject({ ok: false, error: { code: 'GS1_BAD_CHECK_DIGIT' } });
    expect(code).toBe(1);
  });

  it('stdin mode: one line out per line in, in order', async () => {
    async function* lines(): AsyncGenerator<string> {
      yield 'RMA-10023';
      yield '4006381333931';
      yield 'epc:3074257BF7194E4000001A85';
    }
    const out: string[] = [];
    await identifyLines(lines(), (s) => out.push(s));
    const parsed = out.map((l) => JSON.parse(l) as { ok: boolean; identity?: { gtin?: string } });
    expect(parsed.map((p) => p.ok)).toEqual([false, true, true]);
    expect(parsed[2]?.identity?.gtin).toBe('80614141123458');
  });

  it('epc encode: usage errors exit 2 with CLI_BAD_OPTION, an unencodable URI exits 1, each one line with its code', async () => {
    const uri = 'urn:epc:id:sgtin:0614141.812345.6789';
    for (const args of [['--scheme', 'sgtin-96', '--filter', 'abc'], ['--scheme', 'sgtin-96', '--filter', '9'], ['--scheme', 'sgtin96']]) {
      const r = await runCli(['epc', 'encode', uri, ...args]);
      expect(r, args.join(' ')).toMatchObject({ out: '', code: 2 });
      expect(r.err).toMatch(/^returns-station: error CLI_BAD_OPTION: --(filter|scheme) "[^"]+" is not accepted; use [^\n]+\n$/);
    }
    const noScheme = await runCli(['epc', 'encode', uri]);
    expect(noScheme.err).toMatch(/^returns-station: error EPC_SCHEME_REQUIRED: /);
    // Field case BUG-39: a restricted-circulation number has no GS1 company prefix, so it cannot be an SGTIN.
    const rcn = await runCli(['epc', 'encode', 'urn:epc:id:sgtin:2100000.010986.1', '--scheme', 'sgtin-96']);
    expect(rcn).toMatchObject({ out: '', code: 1 });
    expect(rcn.err).toMatch(/^returns-station: error EPC_RESTRICTED_CIRCULATION: .*restricted circulation number/);
    expect(rcn.err.split('\n')).toHaveLength(2);
  });

  it('epc encode prints the hex', async () => {
    const { out } = await runCli(['epc', 'encode', 'urn:epc:id:sgtin:0614141.812345.6789', '--scheme', 'sgtin-96', '--filter', '3']);
    expect(out.trim()).toBe('3074257BF7194E4000001A85');
  });

  it('resultToJson is plain JSON for errors', () => {
    expect(JSON.parse(resultToJson(identify('BIN-A01')))).toMatchObject({ ok: false, error: { code: 'NOT_GS1' } });
  });
});
