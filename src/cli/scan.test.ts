import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from './scan.js';

describe('decode-image CLI', () => {
  it('prints one JSON object per file and only JSON on stdout', { timeout: 60_000 }, async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const program = new Command();
      register(program);
      await program.parseAsync(['node', 'rs', 'decode-image', '--json', 'fixtures/images/zxing__upca-4__15.png', 'fixtures/images/zxing__ean13-1__36.png']);
    } finally {
      spy.mockRestore();
      process.exitCode = undefined;
    }
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { file: 'fixtures/images/zxing__upca-4__15.png', ok: true, codes: [{ format: 'UPC-A', text: '059290571110', decoder: 'zxing-wasm' }] },
      { file: 'fixtures/images/zxing__ean13-1__36.png', ok: false },
    ]);
  });
});
