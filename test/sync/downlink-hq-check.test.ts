/**
 * HQ's side of the downlink against the embedded broker (aedes, MQTT 3.1.1 only), first-user test:
 *  - `hq publish-returns bad.csv` with the reasons `Changed_Mind` and `sizefit` published a file every station then
 *    refused (DOWNLINK_RETURNS_INVALID), and left it retained. HQ now runs the station's own checks
 *    (src/sync/downlink/content.ts) as a dry run: the file is refused at HQ, rows named, exit 1, nothing published.
 *  - `hq publish-*` against an MQTT 3.1.1-only broker failed with "Unacceptable protocol version" and a hint about
 *    credentials. Without --protocol it now falls back to 3.1.1; with --protocol 5 the hint names --protocol 4.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { isStationError, type StationError } from '../../src/core/errors.js';
import { buildDownlink, catalogPayload, publishDownlink, returnsPayload, rulesPayload } from '../../src/hq/index.js';
import { loadRuleSetFile, RuleRegistry } from '../../src/rules/index.js';
import { openStationDb } from '../../src/store/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { handleDownlink, type DownlinkKind } from '../../src/sync/downlink/index.js';
import { topics } from '../../src/sync/index.js';
import { freePort } from '../support/services.js';
import { tempDir } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin/returns-station.js');
const RULES = join(ROOT, 'fixtures/rules/default.yaml');
const CATALOG_EXTRA = join(ROOT, 'fixtures/returns/catalog-extra.json');
const RETURNS = join(ROOT, 'fixtures/returns/expected-returns.csv');
const HEADER = 'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots';

const run = promisify(execFile);
/** The CLI's exit code and stdout/stderr, whether it succeeded or not. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

function thrown(f: () => unknown): StationError {
  try {
    f();
  } catch (e) {
    if (isStationError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

/** The retained message on `topic`, if any, as an MQTT 3.1.1 subscriber sees it. */
async function retainedOn(url: string, topic: string): Promise<string | undefined> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  try {
    let got: string | undefined;
    c.on('message', (_t, p) => {
      if (p.length > 0) got = p.toString('utf8');
    });
    await c.subscribeAsync(topic, { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    return got;
  } finally {
    await c.endAsync();
  }
}

let dir: string;
let broker: EmbeddedBroker;
let badCsv: string;
let n = 0;
const uniqueSite = (): string => `hqc-${process.pid}-${++n}`;

beforeAll(async () => {
  dir = tempDir('rs-hq-check-');
  broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
  badCsv = join(dir, 'bad.csv');
  writeFileSync(
    badCsv,
    [
      HEADER,
      'RMA-9001,SO-9001,,2026-11-20,Changed_Mind,1,00614141000371,SKU-A,1,1,EA,1,,',
      'RMA-9002,SO-9002,,2026-11-20,sizefit,1,00614141000371,SKU-A,1,1,EA,1,,',
      'RMA-9003,SO-9003,,2026-11-20,defective,1,00614141000371,SKU-A,1,1,EA,1,,',
      '',
    ].join('\n'),
  );
}, 30_000);

afterAll(async () => {
  await broker?.close();
});

describe('HQ refuses what the stations would refuse, with the station\'s own checks', () => {
  it('a returns file with reasons "Changed_Mind" and "sizefit": HQ_DOWNLINK_RETURNS_INVALID naming both rows and the allowed values', () => {
    const e = thrown(() => returnsPayload(badCsv));
    expect(e.code).toBe('HQ_DOWNLINK_RETURNS_INVALID');
    expect(e.message).toContain('2 bad row(s)');
    expect(e.message).toContain('line 2: FACT_INVALID');
    expect(e.message).toContain('"Changed_Mind"');
    expect(e.message).toContain('line 3: FACT_INVALID');
    expect(e.message).toContain('"sizefit"');
    expect(e.message).toContain('size_fit');
    expect(e.hint).toContain('Nothing was published');
    expect(e.details?.errors).toEqual([
      expect.objectContaining({ line: 2, code: 'FACT_INVALID', field: 'reason' }),
      expect.objectContaining({ line: 3, code: 'FACT_INVALID', field: 'reason' }),
    ]);
    // The shipped file passes; so does the bad one against a rule set that knows those reasons (--rules).
    expect(returnsPayload(RETURNS)).toMatchObject({ format: 'csv' });
    expect(returnsPayload(badCsv, { rules: { checkFacts: () => ({ ok: true }) } })).toMatchObject({ format: 'csv' });
  });

  it('the same code as the station\'s refusal for returns, catalog and rules (HQ_ + the station\'s code)', () => {
    const keys = generateKeyPairSync('ed25519');
    const loaded = loadRuleSetFile(RULES);
    if (!loaded.ok) throw new Error('fixture rule set does not load');
    const sdb = openStationDb(':memory:', { skipQuickCheck: true });
    const rules = new RuleRegistry();
    rules.activate(loaded.ruleSet, { by: 'test' });
    const ctx = { sdb, rules, catalog: new Catalog([]), site: 'hq-check', publicKey: keys.publicKey };
    let version = 0;
    /** What a station running the built-in rules answers to `payload`. */
    const station = (kind: DownlinkKind, payload: object): string | undefined => {
      const env = buildDownlink(kind, payload, { site: 'hq-check', target: 'dock-1', version: ++version, privateKey: keys.privateKey });
      const out = handleDownlink(ctx, 'dock-1', kind, Buffer.from(JSON.stringify(env)));
      return out?.status === 'applied' ? 'applied' : out?.code;
    };
    const doc = parseYaml(readFileSync(RULES, 'utf8')) as Record<string, unknown>;
    const ruleFile = (name: string, edit: (d: Record<string, unknown>) => void): string => {
      const d = structuredClone(doc);
      edit(d);
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify(d));
      return f;
    };
    const jsonFile = (name: string, v: unknown): string => {
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify(v));
      return f;
    };
    try {
      const cases: Array<{ kind: DownlinkKind; file: string; hq: () => object; payload: object }> = [
        { kind: 'returns', file: badCsv, hq: () => returnsPayload(badCsv), payload: { format: 'csv', text: readFileSync(badCsv, 'utf8') } },
        ...(() => {
          const rows = [{ orderNo: 'SO-1', lineNo: 1, gtin: '00614141000372', qtyShipped: 1 }];
          const f = jsonFile('bad-gtin.json', rows);
          return [{ kind: 'returns' as const, file: f, hq: () => returnsPayload(f), payload: { format: 'json', rows } }];
        })(),
        ...(() => {
          const products = [{ gtin: '00614141000372', name: 'check digit wrong', category: 'toys' }];
          const f = jsonFile('bad-catalog.json', { products });
          return [{ kind: 'catalog' as const, file: f, hq: () => catalogPayload(f), payload: { products } }];
        })(),
        ...(() => {
          const f = ruleFile('golden-fails.json', (d) => {
            d.version = '2026.12.70';
            ((d.golden as Array<{ expect: Record<string, unknown> }>)[0] as { expect: Record<string, unknown> }).expect.bin = 'RECYCLE';
          });
          return [{ kind: 'rules' as const, file: f, hq: () => rulesPayload(f), payload: JSON.parse(readFileSync(f, 'utf8')) as object }];
        })(),
        ...(() => {
          const f = ruleFile('no-golden.json', (d) => {
            d.version = '2026.12.71';
            d.golden = [];
          });
          return [{ kind: 'rules' as const, file: f, hq: () => rulesPayload(f), payload: JSON.parse(readFileSync(f, 'utf8')) as object }];
        })(),
      ];
      for (const c of cases) {
        const atStation = station(c.kind, c.payload);
        expect(atStation, c.file).toMatch(/^DOWNLINK_/);
        expect(thrown(c.hq).code, c.file).toBe(`HQ_${atStation ?? ''}`);
      }
      expect(cases.map((c) => thrown(c.hq).code)).toEqual([
        'HQ_DOWNLINK_RETURNS_INVALID', 'HQ_DOWNLINK_RETURNS_INVALID', 'HQ_DOWNLINK_CATALOG_INVALID', 'HQ_DOWNLINK_RULES_GOLDEN_FAILED', 'HQ_DOWNLINK_RULES_NO_GOLDEN',
      ]);
      // And what HQ lets through, the station applies.
      expect(station('returns', returnsPayload(RETURNS))).toBe('applied');
      expect(station('catalog', catalogPayload(CATALOG_EXTRA))).toBe('applied');
    } finally {
      sdb.close();
    }
  });

  it('`hq publish-returns bad.csv`: exit 1, one JSON line naming the rows, and nothing is published (no retained message)', async () => {
    const site = uniqueSite();
    const r = await cli(['hq', 'publish-returns', badCsv, '--site', site, '--target', 'dock-1', '--broker', broker.url, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string; details: { errors: Array<{ line: number }> } } };
    expect(out).toMatchObject({ ok: false, error: { code: 'HQ_DOWNLINK_RETURNS_INVALID' } });
    expect(out.error.details.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(await retainedOn(broker.url, topics.downlink(site, 'dock-1', 'returns'))).toBeUndefined();
  }, 60_000);
});

describe('an MQTT 3.1.1-only broker (the embedded aedes)', () => {
  it('publishDownlink without a protocol falls back to 3.1.1; an explicit 5 is refused with a hint naming --protocol 4', async () => {
    const site = uniqueSite();
    const env = buildDownlink('catalog', catalogPayload(CATALOG_EXTRA), { site, target: 'dock-1', version: 3 });
    const r = await publishDownlink(env, { url: broker.url, site, target: 'dock-1', kind: 'catalog' });
    expect(r).toMatchObject({ topic: topics.downlink(site, 'dock-1', 'catalog'), protocolVersion: 4 });
    expect(JSON.parse((await retainedOn(broker.url, r.topic)) ?? 'null')).toMatchObject({ kind: 'catalog', version: 3 });

    const other = uniqueSite();
    const e = await publishDownlink(env, { url: broker.url, site: other, target: 'dock-1', kind: 'catalog', mqtt: { protocolVersion: 5 } }).then(
      () => undefined,
      (x: unknown) => x as StationError,
    );
    expect(e?.code).toBe('HQ_DOWNLINK_PROTOCOL_UNSUPPORTED');
    expect(e?.message).toContain('Unacceptable protocol version');
    expect(e?.hint).toContain('--protocol 4');
    expect(e?.hint).not.toContain('credentials');
    expect(await retainedOn(broker.url, topics.downlink(other, 'dock-1', 'catalog'))).toBeUndefined();
  });

  it('`hq publish-catalog` publishes without --protocol (3.1.1, said so); with --protocol 5 it exits 1 and names --protocol 4', async () => {
    const site = uniqueSite();
    const ok = await cli(['hq', 'publish-catalog', CATALOG_EXTRA, '--site', site, '--target', 'dock-1', '--broker', broker.url, '--version', '5', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, kind: 'catalog', version: 5, protocol: 4 });
    const text = await cli(['hq', 'publish-catalog', CATALOG_EXTRA, '--site', site, '--target', 'dock-1', '--broker', broker.url, '--version', '6']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('published catalog version 6');
    expect(text.stdout).toContain('MQTT 3.1.1');

    const refused = await cli(['hq', 'publish-catalog', CATALOG_EXTRA, '--site', uniqueSite(), '--target', 'dock-1', '--broker', broker.url, '--protocol', '5']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error HQ_DOWNLINK_PROTOCOL_UNSUPPORTED');
    expect(refused.stderr).toContain('--protocol 4');
    expect(refused.stderr).not.toContain('credentials');
    const four = await cli(['hq', 'publish-catalog', CATALOG_EXTRA, '--site', uniqueSite(), '--target', 'dock-1', '--broker', broker.url, '--protocol', '4', '--json']);
    expect(JSON.parse(four.stdout)).toMatchObject({ ok: true, protocol: 4 });
  }, 60_000);
});
