import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEpcForGtin } from '../../src/identity/index.js';
import { confirmUpTo, lastSeq, purgeConfirmed, settleConfirmed } from '../../src/store/delivery.js';
import { DEFAULT_FLOW, workflowConfig } from '../../src/station/config.js';
import { applyAnswer, nextQuestion } from '../../src/station/grading.js';
import { matchUnit, type LineFacts } from '../../src/station/matching.js';
import { BADGE, gs1, harness, ok, refused, SUP_PIN, type Harness } from './helpers.js';

let h: Harness;
afterEach(() => h?.close());

const epcHex = (gtin: string, serial: string): string => {
  const e = encodeEpcForGtin(gtin, serial, 7);
  if (!e.ok) throw new Error(e.error.message);
  return e.value.hex.toUpperCase();
};

describe('grading flows from config', () => {
  it('"factory sealed? yes" skips inspection; "no" asks condition then packaging; known facts are skipped', () => {
    expect(nextQuestion(DEFAULT_FLOW, {})?.id).toBe('reason');
    expect(nextQuestion(DEFAULT_FLOW, { reason: 'defective' })?.id).toBe('sealed');
    const sealed = DEFAULT_FLOW.questions.find((q) => q.id === 'sealed');
    if (!sealed) throw new Error('no sealed question');
    expect(nextQuestion(DEFAULT_FLOW, applyAnswer(sealed, 'yes', { reason: 'defective' }) ?? {})).toBeUndefined();
    const opened = applyAnswer(sealed, 'no', { reason: 'defective' }) ?? {};
    expect(nextQuestion(DEFAULT_FLOW, opened)?.id).toBe('grade');
    expect(nextQuestion(DEFAULT_FLOW, { ...opened, grade: 'used' })?.id).toBe('packaging');
    expect(nextQuestion(DEFAULT_FLOW, { ...opened, grade: 'used', packaging: 'none' })).toBeUndefined();
    expect(applyAnswer(sealed, 'maybe', {})).toBeUndefined();
  });

  it('a flow naming an undefined question is refused with the key at fault', () => {
    expect(() => workflowConfig({ flows: { default: { start: 'a', questions: [{ id: 'a', fact: 'grade', text: { en: 'A', 'zh-CN': 'A' }, answers: [{ value: 'x', label: { en: 'x', 'zh-CN': 'x' }, next: 'zzz' }] }] } } })).toThrow(/flows.default: question "zzz"/);
    expect(() => workflowConfig({ requireRma: 'yes' })).toThrow(/requireRma/);
  });

  it('a cyclic hand-written flow cannot hang a scan (property: always ends in ≤ questions steps)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 3, maxLength: 3 }), fc.dictionary(fc.constantFrom('fa', 'fb', 'fc'), fc.constantFrom('x', 'y')), (nexts, answers) => {
        const q = (id: string, i: number): (typeof DEFAULT_FLOW.questions)[number] => ({ id, fact: `f${id}`, text: { en: id, 'zh-CN': id }, answers: [{ value: 'x', label: { en: 'x', 'zh-CN': 'x' }, set: {}, next: nexts[i] }, { value: 'y', label: { en: 'y', 'zh-CN': 'y' }, set: {} }] });
        const flow = { start: 'a', questions: [q('a', 0), q('b', 1), q('c', 2)] };
        const r = nextQuestion(flow, answers);
        expect(r === undefined || answers[r.fact] === undefined).toBe(true);
      }),
    );
  });
});

describe('matching (property): nothing beyond what was shipped is ever accepted', () => {
  it('accepting units one by one never exceeds the shipped quantity of any line', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 30 }), (shipped, qtys) => {
        const lines: LineFacts[] = shipped.map((q, i) => ({ lineNo: i + 1, gtin: '00614141007776', qtyShipped: q, qtyReturned: 0, serialsShipped: new Set(), lotsShipped: new Set() }));
        for (const qty of qtys) {
          const v = matchUnit({ gtin: '00614141007776', qty, serialTracked: false, lotTracked: false }, lines);
          if (v.ok) {
            const l = lines.find((x) => x.lineNo === v.lineNo);
            if (l) l.qtyReturned += qty;
          } else expect(['MORE_THAN_SHIPPED', 'ALREADY_RETURNED']).toContain(v.code);
        }
        for (const l of lines) expect(l.qtyReturned).toBeLessThanOrEqual(l.qtyShipped);
      }),
    );
  });
});

describe('workflow', () => {
  it('RMAs are optional by default (the demo), and required when the site says so: NO_RMA into the exceptions queue', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    const free = ok(h.scan('00614141001859', { answers: { reason: 'changed_mind', sealed: 'yes' } }));
    expect(free.item?.state).toBe('decided');
    expect(free.case?.orderNo).toBeUndefined();
    h.close();
    h = harness({ requireRma: true });
    ok(h.scan(BADGE.ana));
    const strict = ok(h.scan('00614141001859', { answers: { reason: 'changed_mind', sealed: 'yes' } }));
    expect(strict.exception?.code).toBe('NO_RMA');
    expect(strict.item?.decision?.bin).toBe('EXCEPTIONS');
  });

  it('scan-first: an item scanned before any label finds its case by serial (latest shipment)', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    const r = ok(h.scan(gs1('00614141003334', 'SN3'), { answers: { sealed: 'yes' } }));
    expect(r.case?.orderNo).toBe('DN-0100');
    expect(r.item).toMatchObject({ orderNo: 'DN-0100', state: 'decided' });
  });

  it('packaging: a box GTIN of 6 counts 6 base units on the unit line', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('1Z999AA10000004001'));
    const box = ok(h.scan('14012345007401', { answers: { sealed: 'yes' } }));
    expect(box.item).toMatchObject({ gtin: '04012345007404', packGtin: '14012345007401', quantity: 6, orderLine: 1 });
    const view = h.wf.caseById(box.item?.caseId ?? '');
    expect(view?.lines[0]).toMatchObject({ uom: 'BOX', unitsPerUom: 6, qtyShipped: 6, qtyInThisCase: 6, returnable: 0 });
    const ev = h.events().find((e) => e.bizStep === 'receiving') as { quantityList: Array<{ quantity: number }> };
    expect(ev.quantityList[0]?.quantity).toBe(6);
  });

  it('RFID: tags go to the open case on the RFID screen; an EPC shared by two tags goes to exceptions', () => {
    h = harness();
    expect(h.wf.addRfid({ epc: epcHex('00614141000371', '1000'), key: 'k', firstSeen: 1 })).toBeUndefined();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-5001'));
    const one = ok(h.wf.addRfid({ epc: epcHex('00614141000371', '1000'), key: 'a', firstSeen: 2 }) ?? refusedResponse());
    expect(one.item).toMatchObject({ source: 'rfid', state: 'grading', epc: 'urn:epc:id:sgtin:0614141.000037.1000' });
    // The same presence reported again: nothing new.
    expect(ok(h.wf.addRfid({ epc: epcHex('00614141000371', '1000'), key: 'a', firstSeen: 2 }) ?? refusedResponse()).duplicate).toBe(true);
    const shared = ok(h.wf.addRfid({ epc: epcHex('00614141000371', '1001'), key: 'b', firstSeen: 3, sharedEpc: true }) ?? refusedResponse());
    expect(shared.exception?.code).toBe('EPC_SHARED');
  });

  it('group commit: tags read in one turn commit together; every answer shows the screen as committed, pushed once after the commit; a bad code rolls back alone', async () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-5001'));
    h.pushes.length = 0;
    const tags = ['2001', '2002', '2003'].map((s) => h.wf.scanQueued({ code: epcHex('00614141000371', s), idempotencyKey: h.key(), source: 'rfid', answers: { reason: 'changed_mind', sealed: 'yes' } }));
    const bad = h.wf.scanQueued({ code: 'NOT-A-CODE-42', idempotencyKey: h.key() });
    // Nothing is pushed before the batch has committed.
    expect(h.pushes).toHaveLength(0);
    const answers = (await Promise.all(tags)).map(ok);
    expect(refused(await bad).code).toBe('CODE_UNKNOWN');
    const committed = h.wf.screen('main');
    expect(committed).toMatchObject({ awaiting: 'bin', pendingItemId: answers[0]?.item?.itemId });
    for (const a of answers) {
      const { case: _c, ...withoutCase } = committed;
      expect(a.screen).toEqual(withoutCase);
    }
    expect(h.pushes.filter((m) => m.type === 'wf-item')).toHaveLength(3);
    expect(h.pushes.filter((m) => m.type === 'wf-refused')).toHaveLength(1);
    // One screen push for the batch, after its items, carrying the committed state.
    const screens = h.pushes.filter((m) => m.type === 'wf-screen');
    expect(screens).toHaveLength(1);
    expect(h.pushes.findIndex((m) => m.type === 'wf-screen')).toBeGreaterThan(h.pushes.findLastIndex((m) => m.type === 'wf-item'));
    expect(screens[0]).toMatchObject({ screen: { pendingItemId: answers[0]?.item?.itemId, awaiting: 'bin' } });
    expect((h.sdb.prepare('SELECT COUNT(*) FROM wf_items').pluck().get() as number)).toBe(3);
  });

  it('a wrong bin is refused (sound, message, misbin counted once even when retried); the right label confirms', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-2001'));
    const it1 = ok(h.scan('00614141007776', { answers: { sealed: 'yes' } }));
    const want = it1.item?.decision?.binLabels[0] ?? '';
    const wrongReq = { code: 'BIN-SOMEWHERE-ELSE', idempotencyKey: 'wrong-1' };
    const wrong = h.wf.scan(wrongReq);
    expect(wrong).toMatchObject({ ok: false, sound: 'error', error: { code: 'WRONG_BIN', details: { expected: it1.item?.decision?.bin, scanned: 'BIN-SOMEWHERE-ELSE' } } });
    h.wf.scan(wrongReq);
    expect(h.work.filter((w) => w.kind === 'misbin')).toHaveLength(1);
    expect(h.sdb.prepare("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%\"bizStep\":\"storing\"%'").pluck().get()).toBe(0);
    expect(ok(h.scan(want)).action).toBe('bin_confirmed');
  });

  it('a bin correction is an EPCIS error declaration of the earlier event plus a new one; nothing edited in place', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-2001'));
    const it1 = ok(h.scan('00614141007776', { answers: { sealed: 'yes' } }));
    ok(h.scan(it1.item?.decision?.binLabels[0] ?? ''));
    const binnedBefore = h.events().filter((e) => e.bizStep === 'storing');
    expect(binnedBefore).toHaveLength(1);
    const c = ok(h.wf.correct(it1.item?.itemId ?? '', { kind: 'bin', bin: 'BIN-LIQUIDATION', reason: 'it went to the wrong shelf', idempotencyKey: h.key() }));
    expect(c.item?.bin).toBe('LIQUIDATION');
    const storing = h.events().filter((e) => e.bizStep === 'storing');
    expect(storing).toHaveLength(3);
    const decl = storing.find((e) => e.errorDeclaration) as { eventID: string; errorDeclaration: { reason: string; correctiveEventIDs: string[] } };
    expect(decl.eventID).toBe(binnedBefore[0]?.eventID);
    expect(decl.errorDeclaration.reason).toBe('incorrect_data');
    const corrective = storing.find((e) => !e.errorDeclaration && e.eventID !== binnedBefore[0]?.eventID);
    expect(decl.errorDeclaration.correctiveEventIDs).toEqual([corrective?.eventID]);
    // The original event row is untouched.
    expect(h.sdb.prepare('SELECT payload FROM outbox WHERE event_id = ?').pluck().get(binnedBefore[0]?.eventID)).toContain('"rs:bin"');
    expect(h.work.some((w) => w.kind === 'correction')).toBe(true);
  });

  it('a bin correction after outbox retention purged the confirmed events still declares the original binned event', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-2001'));
    const it1 = ok(h.scan('00614141007776', { answers: { sealed: 'yes' } }));
    ok(h.scan(it1.item?.decision?.binLabels[0] ?? ''));
    const binnedBefore = h.events().find((e) => e.bizStep === 'storing');
    // HQ confirmed everything long ago; retention deleted the rows.
    const last = lastSeq(h.sdb);
    confirmUpTo(h.sdb, last, 1);
    settleConfirmed(h.sdb, 2000, 1);
    expect(purgeConfirmed(h.sdb, 0, Date.now())).toBe(last);
    expect(h.events()).toHaveLength(0);
    ok(h.wf.correct(it1.item?.itemId ?? '', { kind: 'bin', bin: 'BIN-LIQUIDATION', reason: 'found a week later on the wrong shelf', idempotencyKey: h.key() }));
    const decl = h.events().find((e) => e.errorDeclaration) as { eventID: string; bizStep: string } | undefined;
    expect(decl?.eventID).toBe(binnedBefore?.eventID);
    expect(decl?.bizStep).toBe('storing');
  });

  it('unacknowledged handoffs escalate after the configured time; the receiver acknowledges by scanning the tote at their end', () => {
    h = harness({ escalateAfterMin: 10 });
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-2001'));
    const it1 = ok(h.scan('00614141007776', { answers: { sealed: 'yes' } }));
    const label = it1.item?.decision?.binLabels[0] ?? '';
    ok(h.scan(label));
    expect(ok(h.scan(label)).action).toBe('bin_selected');
    expect(ok(h.scan('TOTE-77')).action).toBe('packed');
    const dept = it1.item?.decision?.nextDepartment ?? 'inventory';
    const code = `DEPT-${dept.toUpperCase().replace(/_/g, '-')}`;
    const handed = ok(h.scan(code));
    expect(handed.handoff).toMatchObject({ status: 'pending', department: dept });
    expect(h.wf.checkEscalations(h.clock.t + 9 * 60_000)).toBe(0);
    expect(h.wf.checkEscalations(h.clock.t + 11 * 60_000)).toBe(1);
    expect(h.wf.handoffById(handed.handoff?.id ?? '')?.status).toBe('escalated');
    // Their end: a receiver of that department signs in on their screen and scans the tote.
    ok(h.wf.signIn({ badge: BADGE.sup, pin: SUP_PIN, screen: 'dept', idempotencyKey: h.key() }));
    h.wf.core.st('UPDATE wf_operators SET department = ? WHERE badge = ?').run(dept, BADGE.sup);
    const ack = ok(h.wf.scan({ code: 'TOTE-77', screen: 'dept', idempotencyKey: h.key() }));
    expect(ack.action).toBe('acknowledged');
    expect(refused(h.wf.acknowledge(handed.handoff?.id ?? '', { badge: BADGE.sup, idempotencyKey: h.key() })).code).toBe('ALREADY_ACKNOWLEDGED');
  });

  it('exception resolved by a supervisor (accept): the rules decide it, the old decision is declared wrong, audited', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-3001'));
    const bad = ok(h.scan(gs1('00614141009251', undefined, 'L-999'), { answers: { sealed: 'yes' } }));
    const exId = bad.exception?.id ?? '';
    expect(refused(h.wf.resolveException(exId, { resolution: 'accept', reason: 'lot relabelled by vendor', idempotencyKey: h.key() })).code).toBe('ROLE_REQUIRED');
    const r = ok(h.wf.resolveException(exId, { resolution: 'accept', reason: 'lot relabelled by vendor', supervisorBadge: BADGE.sup, supervisorPin: SUP_PIN, idempotencyKey: h.key() }));
    expect(r.exception?.status).toBe('resolved');
    expect(r.item?.state).toBe('decided');
    expect(r.item?.decision?.disposition).not.toBe('exception');
    expect(h.events().filter((e) => e.errorDeclaration)).toHaveLength(1);
    expect(refused(h.wf.resolveException(exId, { resolution: 'quarantine', reason: 'again', supervisorBadge: BADGE.sup, supervisorPin: SUP_PIN, idempotencyKey: h.key() })).code).toBe('EXCEPTION_RESOLVED');
  });

  it('sign-in: unknown badge refused; PIN required when set; scanning your own badge signs you out; another badge takes over', () => {
    h = harness();
    expect(refused(h.scan('RMA-2001')).code).toBe('SIGN_IN_REQUIRED');
    expect(refused(h.wf.signIn({ badge: 'B-404', idempotencyKey: h.key() })).code).toBe('BADGE_UNKNOWN');
    expect(refused(h.scan(BADGE.sup)).code).toBe('PIN_REQUIRED');
    expect(ok(h.scan(BADGE.sup, { pin: SUP_PIN })).screen.operator?.role).toBe('supervisor');
    expect(ok(h.scan(BADGE.ana)).screen.operator?.displayName).toBe('Ana');
    expect(ok(h.scan(BADGE.ana)).action).toBe('signed_out');
    expect(h.work.map((w) => w.kind)).toEqual(['sign_in', 'sign_out', 'sign_in', 'sign_out']);
  });
});

describe('one item at a time on a scanning screen (wrong-bin risk)', () => {
  const PHONE = '00614141002597';
  const NOVEL = '00614141007776';
  const counts = (): { items: number; events: number } => ({
    items: h.sdb.prepare('SELECT COUNT(*) FROM wf_items').pluck().get() as number,
    events: h.sdb.prepare('SELECT COUNT(*) FROM outbox').pluck().get() as number,
  });

  it('an item waiting for the exceptions bin: the next item scan is refused (ITEM_PENDING, nothing stored); after binning it, the next item is taken', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-3001'));
    const first = ok(h.scan(PHONE, { answers: { sealed: 'yes' } }));
    expect(first.item?.decision?.bin).toBe('EXCEPTIONS');
    expect(first.screen.expectedBin?.bin).toBe('EXCEPTIONS');
    const before = counts();
    // Another item (SO-3001's coffee, lot L-100). The phone's own serial label would be the answer it waits for
    // (BUG-64, test/workflow/serial-required.test.ts), so the refusal says both ways on.
    const req = { code: gs1('00614141009251', undefined, 'L-100'), idempotencyKey: 'second-item', answers: { sealed: 'yes' } };
    const second = h.wf.scan(req);
    expect(second).toMatchObject({ ok: false, kind: 'item', sound: 'error', error: { code: 'ITEM_PENDING', details: { pendingItemId: first.item?.itemId, awaiting: 'serial', bin: 'EXCEPTIONS' } } });
    const err = refused(second) as { code: string; text?: { en: string; 'zh-CN': string } };
    expect(err.text?.en).toContain('EXCEPTIONS');
    expect(err.text?.['zh-CN']).toContain('EXCEPTIONS');
    // The screen still points at the first item and its bin; retrying the same scan gets the same refusal.
    expect(second.screen).toMatchObject({ awaiting: 'bin', pendingItemId: first.item?.itemId, expectedBin: { bin: 'EXCEPTIONS' } });
    expect(refused(h.wf.scan(req)).code).toBe('ITEM_PENDING');
    expect(counts()).toEqual(before);

    expect(ok(h.scan(first.item?.decision?.binLabels[0] ?? '')).action).toBe('bin_confirmed');
    const next = ok(h.scan(gs1(PHONE, 'PH-1'), { answers: { sealed: 'yes' } }));
    expect(next.action).toBe('item_decided');
    expect(next.screen).toMatchObject({ awaiting: 'bin', pendingItemId: next.item?.itemId, expectedBin: { bin: next.item?.decision?.bin } });
  });

  it('an item waiting for its grading answer: the next item scan is refused and names the question; the screen keeps asking it', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    ok(h.scan('RMA-2001'));
    const first = ok(h.scan(NOVEL));
    expect(first.action).toBe('question');
    const q = first.item?.question;
    if (!q) throw new Error('no question');
    const second = h.scan(NOVEL, { answers: { sealed: 'yes' } });
    expect(second).toMatchObject({ ok: false, sound: 'error', error: { code: 'ITEM_PENDING', details: { pendingItemId: first.item?.itemId, awaiting: 'grading', questionId: q.id } } });
    const err = refused(second) as { text?: { en: string; 'zh-CN': string } };
    expect(err.text?.en).toContain(q.text.en);
    expect(err.text?.['zh-CN']).toContain(q.text['zh-CN']);
    expect(second.screen).toMatchObject({ awaiting: 'grading', pendingItemId: first.item?.itemId, question: { id: q.id } });
    // Answered, it waits for its bin: still one item at a time.
    const decided = ok(h.wf.answer(first.item?.itemId ?? '', { questionId: q.id, value: 'yes', idempotencyKey: h.key() }));
    expect(decided.action).toBe('item_decided');
    expect(refused(h.scan(NOVEL, { answers: { sealed: 'yes' } })).details).toMatchObject({ awaiting: 'bin', bin: decided.item?.decision?.bin });
    ok(h.scan(decided.item?.decision?.binLabels[0] ?? ''));
    expect(ok(h.scan(NOVEL, { answers: { sealed: 'yes' } })).action).toBe('item_decided');
  });

  it('while an item is pending: another case is refused, the own case label and a badge still work, RFID reads still queue', () => {
    h = harness({ rfidScreen: 'main' });
    ok(h.scan(BADGE.ana));
    const opened = ok(h.scan('RMA-5001'));
    const first = ok(h.scan('00614141000371'));
    expect(first.action).toBe('question');
    expect(refused(h.scan('RMA-2001'))).toMatchObject({ code: 'ITEM_PENDING', details: { awaiting: 'grading' } });
    expect(ok(h.scan('RMA-5001'))).toMatchObject({ action: 'case_resumed', case: { id: opened.case?.id } });
    const rfid = ok(h.wf.addRfid({ epc: epcHex('00614141000371', '1000'), key: 'a', firstSeen: 2 }) ?? refusedResponse());
    expect(rfid.item?.source).toBe('rfid');
    expect(ok(h.scan(BADGE.ana)).action).toBe('signed_out');
  });
});

function refusedResponse(): never {
  throw new Error('no case was open for the RFID screen');
}
