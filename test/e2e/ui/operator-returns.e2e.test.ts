/**
 * Completing a return on the operator screen, in Debian's Chromium (issue #8 first-user test):
 * - BUG-15 kind: a scanner behind Caps Lock that sends no Shift types `rma-2001`; the return RMA-2001 opens;
 * - BUG-60: open RET-1, process its one unit, "Complete return"; RET-1 scanned again is blocked (returnable quantity 0,
 *   a link to the earlier return) and opening it needs a supervisor's override with a reason;
 * - BUG-66: a double tap on "Complete return" or on the supervisor's "Override" does it once, with no error.
 */
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../../src/app/demo.js';
import type { CaseView, ImportReport, ScreenState } from '../../../src/server/api/workflow-types.js';
import { press, sendKeyBurst } from '../key-burst.js';
import { api, chromiumAvailable, ensureUiBuilt, key, operatorPage, seedOperators, type OperatorPage, shot, startStation, wedgeScan } from './harness.js';


/**
 * BUG-60: "Order SO-1001: 1 unit of SKU A delivered. Return RET-1 for that unit is completed." SKU A is the demo
 * catalog's rain jacket. RMA-2001 is the return of the first user's Caps Lock test.
 */
const EXPECTED = [
  'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots',
  'RET-1,SO-1001,1Z999AA10000001001,2026-11-20,changed_mind,1,00614141000371,SKU-A,1,1,EA,1,,',
  'RMA-2001,SO-2001,1Z999AA10000002001,2026-11-25,not_as_described,1,00614141007776,SKU-NOVEL,10,6,EA,1,,',
].join('\n');
const JACKET = '00614141000371';

describe.skipIf(!chromiumAvailable())('completing a return on the operator screen in Chromium', () => {
  let demo: RunningDemo;
  let dir: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let firstCase = '';
  let errors: string[] = [];
  let op: OperatorPage;

  beforeAll(async () => {
    await ensureUiBuilt();
    ({ demo, dir } = await startStation());
    if (!(await seedOperators(demo.url))) throw new Error('the station has no workflow API (GET /api/workflow/config is not 200)');
    const imported = await api<ImportReport>(demo.url, '/api/workflow/import/returns', { format: 'csv', text: EXPECTED, idempotencyKey: key() });
    if (imported.body.errors.length || imported.body.rows !== 2) throw new Error(`import: ${JSON.stringify(imported.body)}`);
    op = await operatorPage(demo.url);
    ({ browser, ctx, page, cdp, errors } = op);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const screenState = (): Promise<ScreenState | null> => op.screenState();
  const awaiting = async (): Promise<string | undefined> => (await screenState())?.awaiting;
  const tone = (): Promise<string | undefined> => op.tone();
  const played = (): Promise<string[]> => op.played();
  /** Polls for the station's answer: a loaded machine (the whole e2e folder at once) can take more than a second. */
  const poll = <T>(f: () => Promise<T> | T) => expect.poll(f, { timeout: 15_000 });
  const caseById = async (id: string): Promise<CaseView> => (await api<CaseView>(demo.url, `/api/workflow/cases/${encodeURIComponent(id)}`)).body;

  it('BUG-15: Caps Lock on and a scanner that sends no Shift: rma-2001 opens the return RMA-2001', async () => {
    // The scanner presses KeyR, KeyM, KeyA … without Shift; with Caps Lock on the computer shows R M A.
    const keys: Array<[string, string, number]> = [['KeyR', 'R', 82], ['KeyM', 'M', 77], ['KeyA', 'A', 65], ['Minus', '-', 189], ['Digit2', '2', 50], ['Digit0', '0', 48], ['Digit0', '0', 48], ['Digit1', '1', 49]];
    await sendKeyBurst(cdp, [...keys.flatMap(([code, k, vk]) => press({ code, key: k, text: k, vk })), ...press({ code: 'Enter', key: 'Enter', text: '\r', vk: 13 })]);
    await poll(async () => (await screenState())?.caseId).toBeTruthy();
    expect(await page.textContent('[data-testid="case"] h2')).toContain('RMA-2001');
    expect(await page.textContent('#result-what')).toBe('Case RMA-2001 opened: scan the items.');
    const opened = await caseById((await screenState())?.caseId ?? '');
    expect(opened).toMatchObject({ rma: 'RMA-2001', orderNo: 'SO-2001', status: 'open' });
  }, 60_000);

  it('BUG-60: RET-1 processed and completed with the button; scanned again it is blocked, linked to RET-1, and only a supervisor can override', async () => {
    await wedgeScan(cdp, 'RET-1');
    await poll(() => page.textContent('[data-testid="case"] h2')).toContain('RET-1');
    firstCase = (await screenState())?.caseId ?? '';
    await wedgeScan(cdp, JACKET);
    await poll(awaiting).toBe('grading');
    // The item in hand comes first: the button waits until it is graded and binned.
    expect(await page.isDisabled('[data-testid="complete-return"]')).toBe(true);
    // The customer's reason came with RET-1: the first question is "Factory sealed?".
    expect((await screenState())?.question?.id).toBe('sealed');
    await page.tap('[data-testid="grading"] button[data-answer="yes"]');
    await poll(awaiting).toBe('bin');
    await wedgeScan(cdp, (await screenState())?.expectedBin?.labels[0] ?? '');
    await poll(awaiting).toBe('case_or_item');
    await poll(() => page.isEnabled('[data-testid="complete-return"]')).toBe(true);
    expect(await page.textContent('[data-testid="complete-return"]')).toBe('Complete return');
    await shot(page, 'operator-complete-return');

    // Completed with a double click (BUG-66): closed once, no "already closed" error.
    const sounds = (await played()).length;
    await page.dblclick('[data-testid="complete-return"]');
    await poll(tone).toBe('done');
    expect(await page.textContent('#result-bin')).toBe('✓');
    expect(await page.textContent('#result-what')).toBe('Return RET-1 complete: case closed.');
    expect(await page.locator('[data-testid="complete-return"]').count()).toBe(0);
    expect(await caseById(firstCase)).toMatchObject({ status: 'closed', rma: 'RET-1' });
    expect((await played()).slice(sounds)).toEqual(['done']);
    await shot(page, 'operator-return-completed');

    // The same RMA again: nothing is returnable, the earlier return is linked, no case opens.
    await wedgeScan(cdp, 'RET-1');
    await poll(tone).toBe('refused');
    expect(await page.textContent('#result-what')).toBe('Everything shipped on SO-1001 was already returned (returnable quantity 0).');
    expect(await page.textContent('[data-testid="blocked"]')).toContain('needs a supervisor override with a reason');
    // The earlier return with its RMA and when it was closed, so two returns under one RMA stay apart (issue #8).
    expect(await page.locator('[data-testid="links"] .link').evaluateAll((ls) => ls.map((l) => [l.getAttribute('data-link-id'), l.textContent]))).toEqual([[firstCase, expect.stringMatching(/^RET-1, closed \d{4}-\d\d-\d\d \d\d:\d\d UTC$/)]]);
    expect((await screenState())?.caseId).toBeUndefined();
    await shot(page, 'operator-return-blocked');

    // The operator cannot override it; a supervisor can, with a reason, and it is logged once however often clicked.
    const byOperator = await api<{ ok: boolean; error?: { code: string } }>(demo.url, '/api/workflow/cases/override', { code: 'RET-1', reason: 'second jacket', screen: 'main', idempotencyKey: key() });
    expect(byOperator.body.error?.code).toBe('ROLE_REQUIRED');
    const sup = await ctx.newPage();
    await sup.goto(`${demo.url}/#/supervisor`);
    await sup.fill('#sup-badge', 'SUP-0001');
    await sup.click('.sup-signin button[type="submit"]');
    await sup.waitForSelector('[data-testid="tab-queue"]');
    const form = sup.locator('section.card', { hasText: 'Open a blocked return (override)' });
    await form.locator('input').first().fill('RET-1');
    await form.locator('input.reason').fill('Customer sent a second jacket');
    await form.locator('button', { hasText: 'Override' }).dblclick();
    await poll(() => form.locator('.msg').textContent()).toMatch(/^Done: Override logged: case .+ opened\.$/);
    const overrides = demo.station.sdb.prepare("SELECT reason FROM wf_audit WHERE kind = 'override'").pluck().all();
    expect(overrides).toEqual(['Customer sent a second jacket']);
    expect(await sup.locator('.error').count()).toBe(0);
    await sup.close();
    expect(errors).toEqual([]);
  }, 90_000);
});
