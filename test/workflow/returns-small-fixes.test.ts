/**
 * Issue #8, the small ones a first user found: a blank override reason, the note length the schema and the rule
 * disagreed on, a pack request naming its bin in another letter case, an empty return completed without a question,
 * and a wrong-bin hint that echoed the scan as typed instead of the label as printed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bodies } from '../../src/server/routes/workflow.js';
import { NOTE_MAX_CHARS } from '../../src/server/api/workflow-types.js';
import { BADGE, harness, ok, refused, SUP_PIN, type Harness } from './helpers.js';

/** RMA-2001's novel (fixtures/returns/expected-returns.csv), answered "factory sealed": restock, bin RESTOCK. */
const NOVEL = '00614141007776';
let h: Harness;
afterEach(() => h?.close());

function novelAwaitingBin(): string {
  h = harness();
  ok(h.scan(BADGE.ana));
  ok(h.scan('RMA-2001'));
  return ok(h.scan(NOVEL, { answers: { sealed: 'yes' } })).item?.itemId ?? '';
}

describe('issue #8: small fixes of the returns workflow', () => {
  it('a blank override or resolution reason ("   ") is refused by the API schema and by the workflow, naming reason', () => {
    const base = { code: 'RMA-2001', supervisorBadge: BADGE.sup, supervisorPin: SUP_PIN, idempotencyKey: 'k1' };
    const parsed = bodies.override.safeParse({ ...base, reason: '   ' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['reason']);
    expect(bodies.override.safeParse({ ...base, reason: 'customer sent a second parcel' }).success).toBe(true);
    expect(bodies.resolve.safeParse({ resolution: 'quarantine', reason: ' \t ', idempotencyKey: 'k2' }).error?.issues[0]?.path).toEqual(['reason']);
    h = harness();
    ok(h.scan(BADGE.ana));
    const r = refused(h.wf.override({ ...base, reason: '   ', idempotencyKey: h.key() }));
    expect(r).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'reason' } });
    expect(h.sdb.prepare('SELECT COUNT(*) FROM wf_cases').pluck().get()).toBe(0);
  });

  it('the note limit is one constant: the schema refuses what the workflow would (4,096 characters: both say at most 500)', () => {
    expect(NOTE_MAX_CHARS).toBe(500);
    const long = bodies.note.safeParse({ note: 'x'.repeat(4096), idempotencyKey: 'k' });
    expect(long.success).toBe(false);
    expect(long.error?.issues[0]).toMatchObject({ path: ['note'], message: 'at most 500 characters' });
    expect(bodies.note.safeParse({ note: 'x'.repeat(500), idempotencyKey: 'k' }).success).toBe(true);
    expect(bodies.note.safeParse({ note: 'x'.repeat(501), idempotencyKey: 'k' }).success).toBe(false);
    const itemId = novelAwaitingBin();
    expect(ok(h.wf.note(itemId, { note: 'x'.repeat(500), idempotencyKey: h.key() })).action).toBe('note_saved');
    expect(refused(h.wf.note(itemId, { note: 'x'.repeat(501), idempotencyKey: h.key() })).code).toBe('NOTE_TOO_LONG');
  });

  it('pack {"bin":"restock"} packs what bin RESTOCK holds (bin names in any letter case, as labels are), BIN-RESTOCK too', () => {
    novelAwaitingBin();
    ok(h.scan('BIN-RESTOCK'));
    const packed = ok(h.wf.pack('TOTE-1', { bin: 'restock', idempotencyKey: h.key() }));
    expect(packed).toMatchObject({ action: 'packed', tote: { id: 'TOTE-1' } });
    expect(h.sdb.prepare("SELECT COUNT(*) FROM wf_items WHERE tote = 'TOTE-1'").pluck().get()).toBe(1);
    h.close();
    novelAwaitingBin();
    ok(h.scan('BIN-RESTOCK'));
    expect(ok(h.wf.pack('TOTE-2', { bin: 'bin-restock', idempotencyKey: h.key() })).action).toBe('packed');
  });

  it('an empty return (0 items) is not completed without a question: RETURN_EMPTY, then completed with confirmEmpty', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    const caseId = ok(h.scan('RMA-2001')).case?.id ?? '';
    const r = refused(h.wf.closeCase(caseId, { idempotencyKey: h.key() }));
    expect(r).toMatchObject({ code: 'RETURN_EMPTY', details: { confirm: 'confirmEmpty' } });
    expect(r.message).toContain('RMA-2001');
    expect(h.sdb.prepare('SELECT status FROM wf_cases WHERE id = ?').pluck().get(caseId)).toBe('open');
    expect(ok(h.wf.closeCase(caseId, { idempotencyKey: h.key(), confirmEmpty: true })).action).toBe('case_closed');
  });

  it('the wrong-bin hint names the bins as their labels are printed (BIN-RECYCLE), not as typed (bin-recycle)', () => {
    novelAwaitingBin();
    const r = refused(h.scan('bin-recycle')) as { code: string; hint?: string };
    expect(r.code).toBe('WRONG_BIN');
    expect(r.hint).toBe('Take the item out of BIN-RECYCLE and put it in RESTOCK (BIN-RESTOCK).');
  });
});

describe('BUG-60 links: each earlier return is told apart (issue #8)', () => {
  it('two earlier returns under one RMA: each link names the RMA and when it was closed, so the two differ', async () => {
    const { importReturns } = await import('../../src/catalog/import.js');
    h = harness();
    const csv = ['rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots', `RMA-9001,SO-9001,,2026-11-25,changed_mind,1,${NOVEL},SKU-NOVEL,2,2,EA,1,,`].join('\n');
    expect(importReturns(h.sdb.db, { format: 'csv', text: csv }).errors).toEqual([]);
    ok(h.scan(BADGE.ana));
    for (let i = 0; i < 2; i++) {
      const c = ok(h.scan('RMA-9001')).case?.id ?? '';
      ok(h.scan(NOVEL, { answers: { sealed: 'yes' } }));
      ok(h.scan('BIN-RESTOCK'));
      ok(h.wf.closeCase(c, { idempotencyKey: h.key() }));
      h.clock.t += 3_600_000;
    }
    const r = refused(h.scan('RMA-9001'));
    expect(r.code).toBe('NOTHING_RETURNABLE');
    expect(r.links?.map((l) => l.label)).toEqual(['RMA-9001, closed 2026-12-03 09:00 UTC', 'RMA-9001, closed 2026-12-03 10:00 UTC']);
  });
});
