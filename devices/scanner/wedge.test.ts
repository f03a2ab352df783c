import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isScanTiming, WedgeDecoder, type WedgeKey, type WedgeOptions, type WedgeScan } from './wedge.js';
import { keyFor, type LayoutId } from './layouts.js';

interface Vector { id: string; category: string; input: Record<string, unknown>; expected: Record<string, unknown> }
const vectors = (JSON.parse(readFileSync(new URL('../../fixtures/vectors/hid-scanner.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

type Step = Partial<WedgeKey> & { code: string; gap?: number };

function run(opts: WedgeOptions, steps: Step[], flushAfter = true): { scans: WedgeScan[]; consumed: boolean[]; warnings: string[]; released: string[] } {
  const warnings: string[] = [];
  const released: string[] = [];
  const d = new WedgeDecoder({ onWarn: (c) => warnings.push(c), onRelease: (t) => released.push(t), ...opts });
  const scans: WedgeScan[] = [];
  d.onScan((s) => scans.push(s));
  let t = 1000;
  const consumed = steps.map((s) => {
    t += s.gap ?? 8;
    return d.handleKey({ shiftKey: false, ctrlKey: false, altKey: false, ...s, timeStamp: t });
  });
  if (flushAfter) d.flush(t + 10_000);
  return { scans, consumed, warnings, released };
}

function typed(layout: LayoutId, text: string, gap = 8): Step[] {
  return [...text].map((ch) => {
    const k = keyFor(layout, ch);
    if (!k) throw new Error(`no key for ${ch}`);
    return { code: k.code, shiftKey: k.shift, ctrlKey: k.altGr, altKey: k.altGr, gap };
  });
}
const enter = (gap = 8): Step => ({ code: 'Enter', gap });

describe('keyboard wedge field cases', () => {
  it('BUG-13: AZERTY host, US scanner: decoded from code+shift, layout mismatch warned once', () => {
    const codes: Array<[string, boolean, string]> = [
      ['Digit0', false, 'à'], ['Digit0', false, 'à'], ['Digit4', false, "'"], ['KeyH', true, 'H'], ['KeyQ', true, 'A'], ['Digit3', false, '"'],
      ['KeyN', true, 'N'], ['KeyI', true, 'I'], ['KeyD', true, 'D'], ['KeyB', true, 'B'], ['KeyV', true, 'V'], ['KeyD', true, 'D'],
    ];
    const steps: Step[] = codes.map(([code, shiftKey, key]) => ({ code, shiftKey, key }));
    const r = run({ layout: 'us' }, [...steps, { code: 'Enter', key: 'Enter' }]);
    expect(r.scans.map((s) => s.text)).toEqual(['004HQ3NIDBVD']);
    expect(r.warnings).toEqual(['LAYOUT_MISMATCH']);
    expect(r.consumed.every(Boolean)).toBe(true);
  });

  it('BUG-13: a scanner programmed for AZERTY decodes with the fr table', () => {
    const r = run({ layout: 'fr' }, [...typed('fr', '004HQ3NIDBVD'), enter()]);
    expect(r.scans.map((s) => s.text)).toEqual(['004HQ3NIDBVD']);
  });

  it('BUG-15: Caps Lock does not flip case; same string with Caps Lock off', () => {
    const seq = (keys: string[]): Step[] =>
      [['KeyR', true], ['KeyM', true], ['KeyA', true], ['Minus', false], ['Digit1', false], ['Digit2', false]].map(([code, shiftKey], i) => ({
        code: code as string, shiftKey: shiftKey as boolean, key: keys[i],
      }));
    const on = run({ layout: 'us' }, [...seq(['r', 'm', 'a', '-', '1', '2']), enter()]);
    const off = run({ layout: 'us' }, [...seq(['R', 'M', 'A', '-', '1', '2']), enter()]);
    expect(on.scans.map((s) => s.text)).toEqual(['RMA-12']);
    expect(off.scans).toEqual(on.scans);
    expect(on.scans[0]?.text.startsWith('RMA-')).toBe(true);
    expect(on.warnings).toEqual([]);
  });

  it('BUG-15: a scanner that sends no Shift while Caps Lock is on types lowercase; the wedge never guesses case from `key`', () => {
    // What the first user's scanner sent: KeyR KeyM KeyA without Shift, shown as R M A by Caps Lock. The wedge gives
    // what the scanner typed; the station finds RMA-2001 from rma-2001 (src/catalog/case-refs.ts).
    const codes: Array<[string, string]> = [['KeyR', 'R'], ['KeyM', 'M'], ['KeyA', 'A'], ['Minus', '-'], ['Digit2', '2'], ['Digit0', '0'], ['Digit0', '0'], ['Digit1', '1']];
    const r = run({ layout: 'us' }, [...codes.map(([code, key]) => ({ code, key })), enter()]);
    expect(r.scans.map((s) => s.text)).toEqual(['rma-2001']);
    expect(r.warnings).toEqual([]);
  });

  it('BUG-16 (a): 4006381333931⏎ with 6-12 ms gaps is one scan', () => {
    const steps = typed('us', '4006381333931').map((s, i) => ({ ...s, gap: 6 + (i % 7) }));
    const r = run({ layout: 'us' }, [...steps, enter(9)]);
    expect(r.scans.map((s) => s.text)).toEqual(['4006381333931']);
  });

  it('BUG-16 (b): typing 12345⏎ at 45-70 ms into a field is not a scan and nothing is consumed', () => {
    const steps = typed('us', '12345').map((s, i) => ({ ...s, gap: 45 + i * 6, editableTarget: true }));
    const r = run({ layout: 'us' }, [...steps, { code: 'Enter', gap: 70, editableTarget: true }]);
    expect(r.scans).toEqual([]);
    expect(r.consumed.some(Boolean)).toBe(false);
  });

  it('BUG-16 (c): "jkl" mashed at 10 ms is below the 4-character minimum', () => {
    const r = run({ layout: 'us' }, [...typed('us', 'jkl', 10), enter(10)]);
    expect(r.scans).toEqual([]);
    expect(r.consumed.at(-1)).toBe(false);
  });

  it('BUG-16 (c): "jkl" mashed at 10 ms into a focused field is no scan, and the field gets back every key it lost', () => {
    const steps = typed('us', 'jkl', 10).map((s, i) => ({ ...s, key: 'jkl'[i], editableTarget: true }));
    const r = run({ layout: 'us' }, [...steps, { code: 'Enter', gap: 10, editableTarget: true }]);
    expect(r.scans).toEqual([]);
    // 'j' was left to the field; 'k' and 'l' were held back as a possible scan and are handed back before Enter acts.
    expect(r.consumed).toEqual([false, true, true, false]);
    expect(r.released).toEqual(['kl']);
  });

  it('BUG-16: fast typing that trails off (no Enter) gives its held keys back, in the host layout\'s characters', () => {
    // A French operator types "àé" quickly after "t": the scanner layout (us) would read Digit0/Digit2 as "0"/"2",
    // but the field must get what the person typed.
    const steps: Step[] = [
      { code: 'KeyT', key: 't', editableTarget: true },
      { code: 'Digit0', key: 'à', gap: 20, editableTarget: true },
      { code: 'Digit2', key: 'é', gap: 20, editableTarget: true },
      { code: 'Space', key: ' ', gap: 150, editableTarget: true },
    ];
    const r = run({ layout: 'us' }, steps);
    expect(r.scans).toEqual([]);
    expect(r.consumed).toEqual([false, true, true, false]);
    expect(r.released).toEqual(['àé']);
    // Backspace (a non-character key) right after a fast pair: the pair goes back first, then Backspace acts on it.
    const bs = run({ layout: 'us' }, [{ code: 'KeyO', key: 'o', editableTarget: true }, { code: 'KeyK', key: 'k', gap: 15, editableTarget: true }, { code: 'Backspace', gap: 15, editableTarget: true }]);
    expect(bs.released).toEqual(['k']);
    expect(bs.consumed).toEqual([false, true, false]);
  });

  it('BUG-16: a real scan in a focused field gives nothing back (only the first character leaked, reported)', () => {
    const steps = typed('us', '4006381333931').map((s) => ({ ...s, editableTarget: true }));
    const r = run({ layout: 'us' }, [...steps, { code: 'Enter', editableTarget: true }]);
    expect(r.scans).toEqual([expect.objectContaining({ text: '4006381333931', leakedChars: 1 })]);
    expect(r.released).toEqual([]);
  });

  it('BUG-16 (d): a scan pausing 200 ms after 5 characters is discarded whole, tail included', () => {
    const steps = typed('us', '4006381333931');
    steps[5] = { ...steps[5]!, gap: 200 };
    const r = run({ layout: 'us' }, [...steps, enter()]);
    expect(r.scans).toEqual([]);
    expect(r.consumed.every(Boolean)).toBe(true); // nothing leaks into a field, so nothing is typed twice
    expect(r.released).toEqual([]);
    const inField = run({ layout: 'us' }, [...steps.map((s) => ({ ...s, editableTarget: true })), { code: 'Enter', editableTarget: true }]);
    expect(inField.scans).toEqual([]);
    expect(inField.released).toEqual([]); // a broken scan is never typed into the field
    // the next real scan still works
    const r2 = run({ layout: 'us' }, [...steps, enter(), ...typed('us', '4006381333931').map((s, i) => (i === 0 ? { ...s, gap: 900 } : s)), enter()]);
    expect(r2.scans.map((s) => s.text)).toEqual(['4006381333931']);
  });

  it('BUG-18: CR then LF within 5 ms gives one scan, both consumed; a lone Enter 150 ms later passes', () => {
    const r = run({ layout: 'us' }, [
      ...typed('us', '4006381333931', 2),
      { code: 'Enter', gap: 2 },
      { code: 'KeyJ', ctrlKey: true, gap: 2 },
      { code: 'Enter', gap: 160 },
    ]);
    expect(r.scans.map((s) => s.text)).toEqual(['4006381333931']);
    expect(r.consumed.slice(-3)).toEqual([true, true, false]);
  });

  it('BUG-18: the same code scanned twice in a row gives two events', () => {
    const once = [...typed('us', '4006381333931'), enter()];
    const r = run({ layout: 'us' }, [...once, ...once.map((s, i) => (i === 0 ? { ...s, gap: 400 } : s))]);
    expect(r.scans.map((s) => s.text)).toEqual(['4006381333931', '4006381333931']);
  });

  describe('BUG-19: GS1 separator forms', () => {
    const head = (): Step[] => typed('us', '0111111111111113' + '10xyz');
    const tail = (): Step[] => [...typed('us', '3040'), enter()];
    const want = '0111111111111113' + '10xyz' + '\x1d' + '3040';
    it('BUG-19 (a): Alt held + Numpad0 2 9', () => {
      const gs: Step[] = [
        { code: 'AltLeft', altKey: true },
        { code: 'Numpad0', altKey: true }, { code: 'Numpad2', altKey: true }, { code: 'Numpad9', altKey: true },
      ];
      const r = run({ layout: 'us' }, [...head(), ...gs, ...tail()]);
      expect(r.scans.map((s) => s.text)).toEqual([want]);
    });
    it('BUG-19 (b): Ctrl+BracketRight', () => {
      const r = run({ layout: 'us' }, [...head(), { code: 'BracketRight', ctrlKey: true }, ...tail()]);
      expect(r.scans.map((s) => s.text)).toEqual([want]);
    });
    it('BUG-19 (c): literal {GS} with gsReplacement', () => {
      const r = run({ layout: 'us', gsReplacement: '{GS}' }, [...head(), ...typed('us', '{GS}'), ...tail()]);
      expect(r.scans.map((s) => s.text)).toEqual([want]);
    });
    it('BUG-19 (d): no separator leaves the lot merged (GS1 parsing flags it downstream)', () => {
      const r = run({ layout: 'us' }, [...head(), ...tail()]);
      expect(r.scans.map((s) => s.text)).toEqual(['0111111111111113' + '10xyz' + '3040']);
    });
  });
});

describe('wedge options', () => {
  it('strips AIM id, prefix and suffix', () => {
    const r = run({ layout: 'us', prefix: '#', suffix: '$' }, [...typed('us', '#]C1ABC-123$'), enter()]);
    expect(r.scans).toEqual([expect.objectContaining({ text: 'ABC-123', symbology: ']C1' })]);
  });
  it('GS1 AIM id drops the leading FNC1 GS', () => {
    const r = run({ layout: 'us' }, [...typed('us', ']C1'), { code: 'BracketRight', ctrlKey: true }, ...typed('us', '0104006381333931'), enter()]);
    expect(r.scans).toEqual([expect.objectContaining({ text: '0104006381333931', symbology: ']C1' })]);
  });
  it('idle time-out completes a scan without terminator', () => {
    const r = run({ layout: 'us', idleTimeoutMs: 80 }, typed('us', 'BIN-0042'));
    expect(r.scans.map((s) => s.text)).toEqual(['BIN-0042']);
  });
  it('Tab terminates; in a focused field only the first char leaks and is reported', () => {
    const steps = typed('us', 'TOTE-77').map((s) => ({ ...s, editableTarget: true }));
    const r = run({ layout: 'us' }, [...steps, { code: 'Tab', editableTarget: true }]);
    expect(r.scans).toEqual([expect.objectContaining({ text: 'TOTE-77', leakedChars: 1 })]);
    expect(r.consumed).toEqual([false, true, true, true, true, true, true, true]);
  });
  it.each(['us', 'uk', 'fr', 'de'] as const)('round-trips printable ASCII through the %s layout', (layout) => {
    const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { minLength: 4, maxLength: 40 }), (chars) => {
        const text = chars.join('');
        const r = run({ layout }, [...typed(layout, text), enter()]);
        expect(r.scans.map((s) => s.text)).toEqual([text]);
      }),
    );
  });
  it('never throws on arbitrary key streams', () => {
    const codes = ['Enter', 'Tab', 'KeyA', 'Digit1', 'Numpad2', 'AltLeft', 'ShiftLeft', 'F5', 'BracketRight', 'ArrowUp', ''];
    fc.assert(
      fc.property(
        fc.array(fc.record({ code: fc.constantFrom(...codes), shiftKey: fc.boolean(), ctrlKey: fc.boolean(), altKey: fc.boolean(), gap: fc.integer({ min: 0, max: 600 }) })),
        (steps) => {
          run({ layout: 'de' }, steps);
        },
      ),
    );
  });
});

describe('hid-scanner.json wedge-timing vectors', () => {
  for (const v of vectors.filter((x) => x.category === 'wedge-timing')) {
    it(v.id, () => {
      const input = v.input as { options: { minLength: number; avgTimeByChar: number }; chars: string; firstCharTimeMs: number; lastCharTimeMs: number };
      expect(isScanTiming(input, input.options)).toEqual(v.expected);
    });
    it(`${v.id}: the live WedgeDecoder reaches the same verdict on the same keystrokes`, () => {
      // The vector's characters, evenly spaced between its first and last key times, then the suffix key (Enter) at
      // once, as onscan.js evaluates a scan on its suffix key. Our rule is per-gap, so avgTimeByChar is the gap limit.
      const input = v.input as { options: { minLength: number; avgTimeByChar: number }; chars: string; firstCharTimeMs: number; lastCharTimeMs: number };
      const n = input.chars.length;
      const gap = n > 1 ? (input.lastCharTimeMs - input.firstCharTimeMs) / (n - 1) : 0;
      const steps = typed('us', input.chars).map((st, i) => ({ ...st, gap: i === 0 ? 0 : gap }));
      const r = run({ layout: 'us', minLength: input.options.minLength, maxInterKeyMs: input.options.avgTimeByChar }, [...steps, enter(1)]);
      expect(r.scans.map((x) => x.text)).toEqual(v.expected.isScan === true ? [input.chars] : []);
    });
  }
});
