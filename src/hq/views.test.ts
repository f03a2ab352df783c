import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portOpen, serviceGate } from '../../test/support/services.js';
import { PgHqStore } from './pg-store.js';
import { SqliteHqStore } from './sqlite-store.js';
import type { HqStore, IncomingEvent, IncomingSkip } from './types.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const T = (hhmm: string): number => Date.parse(`2026-12-03T${hhmm}:00Z`);

const ev = (station: string, seq: number, at: number, key = `urn:uuid:${station}-${seq}`): IncomingEvent => ({
  key, eventID: key, site: 'dc-x', station, seq, type: 'ObjectEvent', eventTime: new Date(at).toISOString(), payload: `{"rs:stationSeq":${seq}}`, receivedAt: at,
});
const skip = (station: string, seq: number, at: number): IncomingSkip => ({ site: 'dc-x', station, seq, eventID: `urn:uuid:${station}-${seq}`, reason: 'blocked_oversize', receivedAt: at });

/**
 * The receipt contract (docs/sync.md): `contiguous` = every sequence number up to it is stored (or skipped),
 * `missing` = the holes above it, `highest` = the highest seen; the stations view shows last contact and backlog.
 */
async function views(store: HqStore): Promise<void> {
  await store.init();
  // st-a: 1, 2, 3 and 5 arrive (4 lost on the way); st-b: 1, then 2 is an oversize event the station skipped.
  const r1 = await store.storeBatch([ev('st-a', 1, T('09:10')), ev('st-a', 2, T('09:10')), ev('st-a', 3, T('09:50'))], [], T('09:50'));
  expect(r1).toMatchObject({ inserted: 3, duplicates: 0, receipts: [{ site: 'dc-x', station: 'st-a', contiguous: 3, highest: 3 }] });
  const r2 = await store.storeBatch([ev('st-a', 5, T('10:05')), ev('st-b', 1, T('10:05'))], [skip('st-b', 2, T('10:05'))], T('10:05'));
  const byStation = Object.fromEntries(r2.receipts.map((r) => [r.station, r]));
  expect(byStation['st-a']).toMatchObject({ contiguous: 3, highest: 5, missing: [[4, 4]] });
  expect(byStation['st-b']).toMatchObject({ contiguous: 2, highest: 2 });
  expect(byStation['st-b']?.missing).toBeUndefined();
  // A re-send of an event HQ has is a duplicate, never a second row.
  expect(await store.storeBatch([ev('st-a', 1, T('10:20'))], [], T('10:20'))).toMatchObject({ inserted: 0, duplicates: 1 });
  await store.noteStatus('dc-x', 'st-b', '{"state":"offline"}', T('10:30'));

  const st = await store.stations();
  expect(st).toEqual([
    { site: 'dc-x', station: 'st-a', contiguous: 3, highest: 5, backlog: 2, events: 4, conflicts: 0, lastContact: T('10:20'), status: null, statusAt: null, skipped: {} },
    // BUG-47: the oversize event st-b never sent shows at HQ as a skipped number, by reason.
    { site: 'dc-x', station: 'st-b', contiguous: 2, highest: 2, backlog: 0, events: 1, conflicts: 0, lastContact: T('10:30'), status: '{"state":"offline"}', statusAt: T('10:30'), skipped: { blocked_oversize: 1 } },
  ]);
  expect(await store.eventsPerHour(3, T('11:00'))).toEqual([
    { hour: '2026-12-03T09:00:00Z', events: 3 },
    { hour: '2026-12-03T10:00:00Z', events: 2 },
  ]);
  expect(await store.eventsPerHour(1, T('11:00'))).toEqual([{ hour: '2026-12-03T10:00:00Z', events: 2 }]);
  expect(await store.countEvents('dc-x', 'st-a')).toBe(4);

  // The same event again under another of the station's numbers: stored once, and that number is accounted for, so
  // the receipt does not wait for it for ever.
  const again = await store.storeBatch([ev('st-b', 3, T('10:40'), 'urn:uuid:st-b-1')], [], T('10:40'));
  expect(again).toMatchObject({ inserted: 0, duplicates: 1, receipts: [{ station: 'st-b', contiguous: 3, highest: 3 }] });
  expect(await store.countEvents('dc-x', 'st-b')).toBe(1);

  // Downlink answers: the newest per station, kind and target; a late older one never replaces it.
  const ack = (status: string, version: number, at: number): Parameters<HqStore['putDownlinkAck']>[0] => ({
    site: 'dc-x', station: 'st-a', kind: 'rules', target: 'st-a', receivedAt: at, payload: JSON.stringify({ kind: 'rules', version, target: 'st-a', status, at }),
  });
  await store.putDownlinkAck(ack('refused', 7, T('10:00')));
  await store.putDownlinkAck(ack('applied', 8, T('10:10')));
  await store.putDownlinkAck(ack('refused', 7, T('10:05')));
  const acks = await store.downlinkAcks();
  expect(acks.map((a) => [a.station, a.kind, JSON.parse(a.payload) as unknown])).toEqual([['st-a', 'rules', { kind: 'rules', version: 8, target: 'st-a', status: 'applied', at: T('10:10') }]]);
}

describe('HQ views: stations (last contact, receipt, backlog) and events per hour', () => {
  let havePg = false;
  const schema = `views_${process.pid}_${Date.now()}`;
  beforeAll(async () => {
    havePg = serviceGate('postgresql', await portOpen(5432));
  });
  afterAll(async () => {
    if (!havePg) return;
    const c = new pg.Client(PG_URL);
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  it('SQLite', async () => {
    const store = new SqliteHqStore(join(mkdtempSync(join(tmpdir(), 'rs-hq-views-')), 'hq.db'));
    try {
      await views(store);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL', async (t) => {
    if (!havePg) return t.skip();
    const store = new PgHqStore(PG_URL, { schema });
    try {
      await views(store);
    } finally {
      await store.close();
    }
  });
});

describe('returns-station hq (CLI)', () => {
  const run = (...args: string[]): { code: number; out: string; err: string } => {
    try {
      const out = execFileSync(process.execPath, [join(ROOT, 'bin/returns-station.js'), 'hq', ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      return { code: 0, out, err: '' };
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      return { code: x.status, out: x.stdout, err: x.stderr };
    }
  };

  it('--stations prints the views of an HQ database as JSON', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rs-hq-cli-')), 'hq.db');
    const store = new SqliteHqStore(file);
    await store.init();
    const now = Date.now();
    // BUG-47: st-a's number 2 was an oversize event it never sent (its skip notice came in).
    await store.storeBatch([ev('st-a', 1, now), ev('st-a', 3, now)], [skip('st-a', 2, now)], now);
    await store.noteStatus('dc-x', 'st-b', '{"state":"online","at":1}', now);
    await store.close();
    const r = run('--stations', '--db', file);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out) as { stations: unknown[]; eventsPerHour: Array<{ events: number }> };
    expect(v.stations).toEqual([
      { site: 'dc-x', station: 'st-a', contiguous: 3, highest: 3, backlog: 0, events: 2, conflicts: 0, lastContact: now, status: null, statusAt: null, skipped: { blocked_oversize: 1 } },
      // The station's status message is shown as the object it is.
      { site: 'dc-x', station: 'st-b', contiguous: 0, highest: 0, backlog: 0, events: 0, conflicts: 0, lastContact: now, status: { state: 'online', at: 1 }, statusAt: now, skipped: {} },
    ]);
    expect(v.eventsPerHour.reduce((n, h) => n + h.events, 0)).toBe(2);
  }, 40_000);

  it('bad input is one line with a stable code, never a stack trace, never a hang', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-hq-cli-'));
    const cases: Array<[string[], number, string]> = [
      [['--protocol', '7', '--db', join(dir, 'a.db')], 2, 'CLI_BAD_OPTION'],
      [['--embedded-broker', 'abc', '--db', join(dir, 'a.db')], 2, 'CLI_BAD_OPTION'],
      [['--broker', 'notaurl', '--db', join(dir, 'a.db')], 2, 'CLI_BAD_OPTION'],
      [['--stations', '--hours', 'x', '--db', join(dir, 'a.db')], 2, 'CLI_BAD_OPTION'],
      [['--schema', 'Bad;drop', '--db', 'postgres://u@127.0.0.1:1/x'], 2, 'CLI_BAD_OPTION'],
      [['--stations', '--db', join(dir, 'missing', 'hq.db')], 1, 'HQ_DB_NOT_FOUND'],
      [['--stations', '--db', 'postgres://u:secret@127.0.0.1:1/x'], 1, 'HQ_DB_UNAVAILABLE'],
    ];
    for (const [args, code, errCode] of cases) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(code);
      const lines = r.err.split('\n').filter((l) => l.startsWith('returns-station:'));
      expect(lines, args.join(' ')).toEqual([expect.stringContaining(`error ${errCode}:`)]);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.err).not.toContain('secret');
    }
    const j = run('--stations', '--json', '--db', join(dir, 'missing', 'hq.db'));
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, error: { code: 'HQ_DB_NOT_FOUND' } });
  }, 120_000);
});
