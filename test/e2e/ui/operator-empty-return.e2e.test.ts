/**
 * Issue #8: an empty return (no item scanned) was completed by one tap on "Complete return". Now the station refuses
 * it (RETURN_EMPTY) and the screen offers a second, explicit button; the return is completed only through that one.
 */
import { rmSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../../src/app/demo.js';
import type { CaseView, ImportReport, ScreenState } from '../../../src/server/api/workflow-types.js';
import { api, chromiumAvailable, ensureUiBuilt, key, operatorPage, seedOperators, type OperatorPage, startStation, wedgeScan } from './harness.js';

/** RMA-2001 as in fixtures/returns/expected-returns.csv. */
const EXPECTED = [
  'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots',
  'RMA-2001,SO-2001,1Z999AA10000002001,2026-11-25,not_as_described,1,00614141007776,SKU-NOVEL,10,6,EA,1,,',
].join('\n');

describe.skipIf(!chromiumAvailable())('an empty return on the operator screen in Chromium (issue #8)', () => {
  let demo: RunningDemo;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let op: OperatorPage;

  beforeAll(async () => {
    await ensureUiBuilt();
    ({ demo, dir } = await startStation());
    if (!(await seedOperators(demo.url))) throw new Error('the station has no workflow API');
    const imported = await api<ImportReport>(demo.url, '/api/workflow/import/returns', { format: 'csv', text: EXPECTED, idempotencyKey: key() });
    if (imported.body.errors.length) throw new Error(`import: ${JSON.stringify(imported.body)}`);
    op = await operatorPage(demo.url);
    ({ browser, page, cdp } = op);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const poll = <T>(f: () => Promise<T> | T) => expect.poll(f, { timeout: 15_000 });
  const screenState = (): Promise<ScreenState | null> => op.screenState();

  it('Complete return with no item: refused (RETURN_EMPTY), the case stays open; the explicit "parcel was empty" button completes it', async () => {
    await wedgeScan(cdp, 'RMA-2001');
    await poll(async () => (await screenState())?.caseId).toBeTruthy();
    const caseId = (await screenState())?.caseId ?? '';
    expect(await page.locator('[data-testid="complete-empty"]').count()).toBe(0);
    await page.tap('[data-testid="complete-return"]');
    await poll(() => op.tone()).toBe('refused');
    expect(await page.textContent('#result-what')).toBe('No item was scanned for RMA-2001. Scan its items, or confirm that the parcel was empty.');
    expect((await api<CaseView>(demo.url, `/api/workflow/cases/${caseId}`)).body.status).toBe('open');
    await poll(() => page.locator('[data-testid="complete-empty"]').count()).toBe(1);
    expect(await page.textContent('[data-testid="complete-empty"]')).toBe('The parcel was empty: complete the return');
    await page.tap('[data-testid="complete-empty"]');
    await poll(async () => (await api<CaseView>(demo.url, `/api/workflow/cases/${caseId}`)).body.status).toBe('closed');
  }, 60_000);
});
