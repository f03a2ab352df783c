import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { register } from './scan.js';

const dir = mkdtempSync(join(tmpdir(), 'scan-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function decodeImage(...args: string[]): Promise<{ lines: string[]; exitCode: typeof process.exitCode }> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  let exitCode: typeof process.exitCode;
  try {
    const program = new Command();
    register(program);
    await program.parseAsync(['node', 'rs', 'decode-image', ...args]);
  } finally {
    spy.mockRestore();
    exitCode = process.exitCode;
    process.exitCode = undefined;
  }
  return { lines, exitCode };
}

describe('decode-image CLI', () => {
  it('prints one JSON object per file and only JSON on stdout', { timeout: 60_000 }, async () => {
    const { lines } = await decodeImage('--json', 'fixtures/images/zxing__upca-4__15.png', 'fixtures/images/zxing__ean13-1__36.png');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { file: 'fixtures/images/zxing__upca-4__15.png', ok: true, codes: [{ format: 'UPC-A', text: '059290571110', decoder: 'zxing-wasm' }] },
      { file: 'fixtures/images/zxing__ean13-1__36.png', ok: false },
    ]);
  });

  it('BUG-24 (b): a garbled file, a missing file and an empty data URL each say why, unlike an image without a code', { timeout: 60_000 }, async () => {
    const garbled = join(dir, 'garbled.png');
    writeFileSync(garbled, Buffer.from('89504e470d0a1a0a' + 'ff'.repeat(64), 'hex'));
    const t0 = Date.now();
    const { lines, exitCode } = await decodeImage('--json', garbled, '/nonexist.png', 'data:image/png;base64,', 'fixtures/images/zxing__ean13-1__36.png');
    expect(Date.now() - t0).toBeLessThan(20_000);
    const out = lines.map((l) => JSON.parse(l) as { file: string; ok: boolean; error?: { code: string; message: string } });
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ file: garbled, ok: false, error: { code: 'DECODE_INPUT' } });
    expect(out[1]).toMatchObject({ file: '/nonexist.png', ok: false, error: { code: 'IMAGE_NOT_FOUND' } });
    expect(out[1]!.error!.message).toContain('/nonexist.png');
    expect(out[2]).toMatchObject({ file: 'data:image/png;base64,', ok: false, error: { code: 'DECODE_INPUT' } });
    // The documented interface for a readable image with no code is unchanged: no error member.
    expect(out[3]).toEqual({ file: 'fixtures/images/zxing__ean13-1__36.png', ok: false });
    expect(exitCode).toBe(1);
  });

  it('without --json an unreadable file prints its error code on its line', async () => {
    const { lines } = await decodeImage('/nonexist.png');
    expect(lines).toEqual(['/nonexist.png\terror IMAGE_NOT_FOUND: There is no file /nonexist.png.\n']);
  });
});
