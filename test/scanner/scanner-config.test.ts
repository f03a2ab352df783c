/**
 * `scanner` in station.yaml (issue 5): the schema, its defaults (= the decoders' built-in behaviour), and what the
 * wedge decoder and the camera acceptance policy make of a configured station.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LABELS, labelRulesFrom, validateRead, type RawRead } from '../../devices/camera/acceptance.js';
import { DecodePipeline, type FrameDecoder } from '../../devices/camera/pipeline.js';
import { keyFor } from '../../devices/scanner/layouts.js';
import { WedgeDecoder, wedgeOptionsFrom, type WedgeScan } from '../../devices/scanner/wedge.js';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { SCANNER_DEFAULTS } from '../../src/config/scanner.js';
import { isStationError } from '../../src/core/errors.js';

/** The CONFIG_ error of a config, or undefined when it parses. */
function configError(raw: unknown): { code: string; issues: string[] } | undefined {
  try {
    parseConfig(raw);
    return undefined;
  } catch (e) {
    if (!isStationError(e)) throw e;
    return { code: e.code, issues: (e.details as { issues: string[] }).issues };
  }
}

/** Types `text` through the wedge decoder as a US-programmed scanner does (8 ms per key, then Enter). */
function scan(d: WedgeDecoder, text: string, t0: number): number {
  let t = t0;
  for (const ch of text) {
    const k = keyFor('us', ch);
    if (!k) throw new Error(`no US key for ${ch}`);
    d.handleKey({ code: k.code, shiftKey: k.shift, ctrlKey: false, altKey: false, timeStamp: (t += 8) });
  }
  d.handleKey({ code: 'Enter', shiftKey: false, ctrlKey: false, altKey: false, timeStamp: (t += 8) });
  return t;
}

describe('scanner config schema', () => {
  it('defaults are the built-in behaviour: same wedge options as the decoder defaults, same label rules', () => {
    const s = parseConfig({}).scanner;
    expect(s).toEqual(SCANNER_DEFAULTS);
    expect(s).toMatchObject({ layout: 'us', terminator: 'auto', minLength: 4, maxInterKeyMs: 30 });
    expect(s.prefix).toBeUndefined();
    expect(s.gsReplacement).toBeUndefined();
    expect(wedgeOptionsFrom(s)).toEqual({ layout: 'us', minLength: 4, maxInterKeyMs: 30 }); // no idle time-out, no affixes
    expect(labelRulesFrom(s.labels).map((r) => [r.name, r.formats, r.pattern.test('1510538'), r.near.test('151053')])).toEqual([
      ['RMA', ['Code128'], true, true], ['bin', ['Code39'], false, false], ['tote', ['Code128', 'Code39'], false, false],
    ]);
    // The rule set the camera uses without config gives the same verdicts as the config defaults.
    const reads: RawRead[] = ['151053', '1510538', '34', '345', 'TOTE-12', 'TOTE-0042', 'ABC'].flatMap((text) =>
      (['Code128', 'Code39'] as const).map((format) => ({ format, text, decoder: 'zxing-wasm' as const })));
    for (const r of reads) expect(validateRead(r, { labels: labelRulesFrom(s.labels) })).toEqual(validateRead(r, { labels: DEFAULT_LABELS }));
    // A parse hands out its own copy: changing one station's labels never changes the defaults.
    s.labels.rma.formats.push('QR');
    expect(parseConfig({}).scanner.labels.rma.formats).toEqual(['Code128']);
  });

  it('a layout-only scanner block keeps every other default (existing station.yaml files)', () => {
    expect(parseConfig({ scanner: { layout: 'fr' } }).scanner).toEqual({ ...SCANNER_DEFAULTS, layout: 'fr' });
  });

  it('takes prefix, suffix, GS text, terminator, timing and partial label overrides', () => {
    const s = parseConfig({
      scanner: {
        layout: 'de', prefix: '~S', suffix: '#E', gsReplacement: '{GS}', terminator: 'none', idleTimeoutMs: 80, minLength: 6, maxInterKeyMs: 25,
        labels: { rma: { pattern: 'RMA\\d{8}', near: 'RMA\\d*' }, bin: { formats: ['Code128', 'Code39'] } },
      },
    }).scanner;
    expect(s.labels.rma).toEqual({ pattern: 'RMA\\d{8}', near: 'RMA\\d*', formats: ['Code128'] });
    expect(s.labels.bin).toEqual({ pattern: '\\d{3}', near: '\\d{1,5}', formats: ['Code128', 'Code39'] });
    expect(s.labels.tote).toEqual(SCANNER_DEFAULTS.labels.tote);
    expect(wedgeOptionsFrom(s)).toEqual({ layout: 'de', prefix: '~S', suffix: '#E', gsReplacement: '{GS}', idleTimeoutMs: 80, minLength: 6, maxInterKeyMs: 25 });
  });

  it('refuses wrong values with CONFIG_INVALID naming the key', () => {
    expect(configError({ scanner: { prefx: '~' } })).toEqual({ code: 'CONFIG_INVALID', issues: ['scanner.prefx: unknown setting (check the spelling)'] });
    expect(configError({ scanner: { prefix: '' } })?.issues).toEqual([expect.stringMatching(/^scanner\.prefix: is empty/)]);
    expect(configError({ scanner: { maxInterKeyMs: '30' } })?.issues).toEqual([expect.stringMatching(/^scanner\.maxInterKeyMs: /)]);
    expect(configError({ scanner: { minLength: 0 } })?.issues).toEqual([expect.stringMatching(/^scanner\.minLength: /)]);
    expect(configError({ scanner: { terminator: 'cr' } })?.issues).toEqual([expect.stringMatching(/^scanner\.terminator: /)]);
    expect(configError({ scanner: { labels: { rma: { formats: ['EAN-13'] } } } })?.issues).toEqual([expect.stringMatching(/^scanner\.labels\.rma\.formats\[0\]: /)]);
    expect(configError({ scanner: { labels: { pallet: { pattern: 'P\\d+' } } } })?.issues).toEqual(['scanner.labels.pallet: unknown setting (check the spelling)']);
    expect(configError({ scanner: { prefix: '{G', gsReplacement: '{GS}' } })?.issues).toEqual([expect.stringMatching(/^scanner\.gsReplacement: overlaps scanner\.prefix/)]);
  });

  it('an invalid label pattern is refused at load, naming the key (CONFIG_INVALID)', () => {
    expect(configError({ scanner: { labels: { rma: { pattern: '\\d{7' } } } })).toBeUndefined(); // JS reads a lone { as a literal
    expect(configError({ scanner: { labels: { rma: { pattern: '(\\d{7}' } } } })).toEqual({
      code: 'CONFIG_INVALID', issues: [expect.stringMatching(/^scanner\.labels\.rma\.pattern: not a valid regular expression \(.+\)$/)],
    });
    expect(configError({ scanner: { labels: { tote: { near: '[TOTE' } } } })?.issues).toEqual([expect.stringMatching(/^scanner\.labels\.tote\.near: not a valid regular expression/)]);
    const dir = mkdtempSync(join(tmpdir(), 'rs-scanner-cfg-'));
    const file = join(dir, 'station.yaml');
    writeFileSync(file, 'scanner:\n  labels:\n    bin: { pattern: "B-(\\\\d{2}" }\n');
    expect(() => loadConfigFile(file)).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('scanner.labels.bin.pattern: not a valid regular expression') }) as Error);
  });

  it('BUG-19 (c): a station configured with prefix, suffix and {GS} gives the element string with 0x1D', () => {
    const s = parseConfig({ scanner: { prefix: '~S', suffix: '#E', gsReplacement: '{GS}' } }).scanner;
    const d = new WedgeDecoder(wedgeOptionsFrom(s));
    const scans: WedgeScan[] = [];
    d.onScan((x) => scans.push(x));
    const t = scan(d, '~S0111111111111113' + '10xyz{GS}3040#E', 1000);
    scan(d, '~S0111111111111113' + '10xyz{GS}3040#E', t + 500); // the same code again: a second event
    expect(scans.map((x) => x.text)).toEqual(['0111111111111113' + '10xyz\x1d3040', '0111111111111113' + '10xyz\x1d3040']);
  });

  it('terminator none: silence ends the scan after idleTimeoutMs', () => {
    const d = new WedgeDecoder(wedgeOptionsFrom(parseConfig({ scanner: { terminator: 'none', idleTimeoutMs: 60 } }).scanner));
    const scans: WedgeScan[] = [];
    d.onScan((x) => scans.push(x));
    let t = 1000;
    for (const ch of '4006381333931') d.handleKey({ code: `Digit${ch}`, shiftKey: false, ctrlKey: false, altKey: false, timeStamp: (t += 8) });
    d.flush(t + 40);
    expect(scans).toEqual([]);
    d.flush(t + 70);
    expect(scans.map((x) => x.text)).toEqual(['4006381333931']);
  });
});

describe('camera labels from config', () => {
  /** A decoder that returns the scripted reads frame by frame, as quagga2 does on a truncating Code 128 label. */
  const scripted = (frames: string[][]): FrameDecoder => ({
    name: 'zxing-wasm',
    decode: (_frame, variant) => Promise.resolve((frames[variant] ?? []).map((text) => ({ format: 'Code128' as const, text, decoder: 'zxing-wasm' as const }))),
  });
  const frame = { data: new Uint8ClampedArray(4), width: 1, height: 1 };

  it('BUG-25: with a custom RMA pattern from config a truncated camera read is rejected and a full one accepted', async () => {
    // This site prints 8-digit RMAs; the camera drops the last digit, leaving 7 digits: the built-in RMA shape.
    const cfg = parseConfig({ scanner: { labels: { rma: { pattern: '\\d{8}', near: '\\d{4,12}' } } } });
    const pipeline = new DecodePipeline(scripted([['1510538'], ['1510538'], ['1510538'], ['15105380'], ['15105380']]), null, { labels: labelRulesFrom(cfg.scanner.labels) });
    const accepted: string[] = [];
    pipeline.onScan((s) => accepted.push(`${s.label ?? '-'}:${s.text}`));
    for (let i = 0; i < 3; i++) await pipeline.process(frame, i * 100);
    expect(accepted).toEqual([]);
    expect(pipeline.tracker.rejected.map((r) => r.reason)).toEqual(['LABEL_PATTERN', 'LABEL_PATTERN', 'LABEL_PATTERN']);
    for (let i = 3; i < 5; i++) await pipeline.process(frame, i * 100);
    expect(accepted).toEqual(['RMA:15105380']);

    // The same truncated read is a valid RMA under the built-in pattern: the verdict above came from config.
    expect(validateRead({ format: 'Code128', text: '1510538', decoder: 'zxing-wasm' })).toMatchObject({ ok: true, label: 'RMA' });
  });

  it('BUG-25: a custom pattern without ^…$ still has to match the whole read', () => {
    const labels = labelRulesFrom(parseConfig({ scanner: { labels: { rma: { pattern: 'RMA-\\d{6}', near: 'RMA.*' } } } }).scanner.labels);
    const read = (text: string): RawRead => ({ format: 'Code128', text, decoder: 'quagga2', error: 0.05 });
    expect(validateRead(read('RMA-151053'), { labels })).toMatchObject({ ok: true, label: 'RMA' });
    expect(validateRead(read('RMA-15105'), { labels })).toEqual({ ok: false, reason: 'LABEL_PATTERN' });
    expect(validateRead(read('RMA-1510539'), { labels })).toEqual({ ok: false, reason: 'LABEL_PATTERN' });
  });
});
