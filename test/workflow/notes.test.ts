/**
 * BUG-57 (issue 9): the customer note typed on the operator screen is stored with the item through the workflow API,
 * once per idempotency key, and shown on the item and its case.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BADGE, harness, ok, refused, type Harness } from './helpers.js';

let h: Harness;
afterEach(() => h?.close());

describe('customer note (BUG-57)', () => {
  it('BUG-57: a note is stored with the item and its case; the same key again changes nothing, a reused key for other text is refused', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-2001'));
    const item = ok(h.scan('00614141007776', { answers: { sealed: 'yes' } })).item;
    const itemId = item?.itemId ?? '';
    expect(item?.customerNote).toBeUndefined();
    const key = h.key();
    const saved = ok(h.wf.note(itemId, { note: '  Box was crushed on arrival  ', idempotencyKey: key }));
    expect(saved.action).toBe('note_saved');
    expect(saved.item?.customerNote?.text).toBe('Box was crushed on arrival');
    const again = ok(h.wf.note(itemId, { note: '  Box was crushed on arrival  ', idempotencyKey: key }));
    expect(again.duplicate).toBe(true);
    expect(h.sdb.prepare("SELECT COUNT(*) FROM wf_audit WHERE kind = 'customer_note'").pluck().get()).toBe(1);
    expect(refused(h.wf.note(itemId, { note: 'something else', idempotencyKey: key })).code).toBe('IDEMPOTENCY_CONFLICT');
    expect(h.wf.item(itemId)?.customerNote?.text).toBe('Box was crushed on arrival');
    expect(h.wf.caseById(item?.caseId ?? '')?.items.find((i) => i.itemId === itemId)?.customerNote?.text).toBe('Box was crushed on arrival');
    // An empty note clears it; the earlier text stays on record.
    ok(h.wf.note(itemId, { note: '', idempotencyKey: h.key() }));
    expect(h.wf.item(itemId)?.customerNote).toBeUndefined();
    expect(h.sdb.prepare("SELECT COUNT(*) FROM wf_audit WHERE kind = 'customer_note'").pluck().get()).toBe(2);
  });

  it('BUG-57: an unknown item, a note over 500 characters or nobody signed in is refused and nothing is stored', () => {
    h = harness();
    expect(refused(h.wf.note('nope', { note: 'x', idempotencyKey: h.key() })).code).toBe('SIGN_IN_REQUIRED');
    ok(h.scan(BADGE.ana));
    expect(refused(h.wf.note('nope', { note: 'x', idempotencyKey: h.key() })).code).toBe('ITEM_UNKNOWN');
    ok(h.scan('RMA-2001'));
    const itemId = ok(h.scan('00614141007776', { answers: { sealed: 'yes' } })).item?.itemId ?? '';
    expect(refused(h.wf.note(itemId, { note: 'x'.repeat(501), idempotencyKey: h.key() })).code).toBe('NOTE_TOO_LONG');
    expect(h.sdb.prepare("SELECT COUNT(*) FROM wf_audit WHERE kind = 'customer_note'").pluck().get()).toBe(0);
  });
});
