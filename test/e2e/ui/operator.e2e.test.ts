/**
 * A complete operator shift on the kiosk screen in Debian's Chromium, scans sent as trusted key events from a
 * US-programmed scanner on a French AZERTY host: badge sign-in, item scan, grading buttons, a mis-bin, the bin
 * confirmation, packing a tote and handing it off with the receiver's badge (acknowledged at once), the break
 * nudge (issue 10), a camera scan through the fake camera, and a supervisor override of the exception it made.
 * Needs the workflow API (src/server/routes/workflow*.ts); without it the shift part prints SKIP.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../../src/app/demo.js';
import type { ScreenState } from '../../../src/server/api/workflow-types.js';
import { api, chromiumAvailable, ensureUiBuilt, key, launchChromium, seedOperators, photoToY4m, ROOT, shot, startStation, wedgeScan } from './harness.js';
import { workloadFixture } from './workload-fixture.js';

type RsWindow = { __rs: { screen: { get(): ScreenState | null }; result: { get(): { tone: string; big: string; at: number } | null }; played: string[]; metrics: { scanToPaint: number[] }; refreshWorkload(): Promise<void> } };

describe.skipIf(!chromiumAvailable())('operator shift in Chromium', () => {
  let demo: RunningDemo;
  let dir: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let workflow = false;
  let binLabel = '';
  let wl: ReturnType<typeof workloadFixture>;
  const errors: string[] = [];

  beforeAll(async () => {
    await ensureUiBuilt();
    ({ demo, dir } = await startStation());
    wl = workloadFixture(demo.station.context().config.station);
    demo.station.services.set('workload', wl.monitor);
    workflow = await seedOperators(demo.url);
    // The workflow API is part of the station, not an optional service: without it the shift is a failure, not a skip.
    if (!workflow) throw new Error('the station has no workflow API (GET /api/workflow/config is not 200)');
    const video = join(dir, 'photo.y4m');
    await photoToY4m(join(ROOT, 'fixtures/images/zxing__ean13-1__12.png'), video);
    browser = await launchChromium(video);
    ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    await ctx.grantPermissions(['camera'], { origin: demo.url });
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // The station's CSP allows nothing inline: a refused style or script shows up here and fails the shift.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    await page.goto(`${demo.url}/#/`);
    await page.waitForSelector('body[data-ready="1"]');
    cdp = await ctx.newCDPSession(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    wl?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const screenState = async (): Promise<ScreenState | null> => page.evaluate(() => (window as unknown as RsWindow).__rs.screen.get());
  const awaiting = async (): Promise<string | undefined> => (await screenState())?.awaiting;
  const resultTone = async (): Promise<string | undefined> => page.evaluate(() => (window as unknown as RsWindow).__rs.result.get()?.tone);
  const lastSound = async (): Promise<string | undefined> => page.evaluate(() => document.body.dataset.lastSound);
  const caseList = async (): Promise<string[]> => page.locator('[data-testid="case"] li').allTextContents();
  /** Answers the open questions with the buttons shown, then waits for the bin prompt. */
  const grade = async (): Promise<void> => {
    for (let i = 0; i < 6 && (await awaiting()) === 'grading'; i++) {
      const q = (await screenState())?.question;
      const pick = q?.answers.find((a) => ['changed_mind', 'yes', 'like_new', 'original_opened'].includes(a.value)) ?? q?.answers[0];
      await page.click(`[data-testid="grading"] button[data-answer="${pick?.value}"]`);
      await expect.poll(async () => (await screenState())?.question?.id !== q?.id || (await awaiting()) !== 'grading').toBe(true);
    }
    await expect.poll(awaiting).toBe('bin');
  };

  it('BUG-57/BUG-18: badge sign-in by wedge scan (AZERTY host, CR+LF), nothing focused, no field needed', async ({ skip }) => {
    if (!workflow) skip();
    await expect.poll(() => page.locator('[data-testid="signin"]').count()).toBe(1);
    await shot(page, 'operator-signin');
    await wedgeScan(cdp, 'OP-0042', { crlf: true });
    await expect.poll(() => page.textContent('[data-testid="operator"]').catch(() => null)).toBe('Li Wei');
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    expect(await awaiting()).toBe('case_or_item');
  }, 60_000);

  it('item scan → grading buttons → huge bin label with its colour, sound and explanation one tap away', async ({ skip }) => {
    if (!workflow) skip();
    await wedgeScan(cdp, '4012345000740');
    await expect.poll(awaiting).toBe('grading');
    // The case list shows the item right after the scan, without a reload.
    await expect.poll(caseList).toEqual([expect.stringMatching(/^Women's running shoe, 39.*grading$/)]);
    await shot(page, 'operator-grading');
    await grade();
    const bin = (await screenState())?.expectedBin?.bin;
    expect(await page.textContent('#result-bin')).toBe(bin);
    expect(await resultTone()).toBe('decided');
    await page.click('[data-testid="why"]');
    expect((await page.textContent('[data-testid="why-text"]'))?.length).toBeGreaterThan(5);
    await shot(page, 'operator-result');
  }, 60_000);

  it('a mis-bin is refused with the error sound; the right bin label confirms', async ({ skip }) => {
    if (!workflow) skip();
    const expected = (await screenState())?.expectedBin;
    const wrong = expected?.bin === 'DISPOSE' ? 'BIN-RTV' : 'BIN-DISPOSE';
    await wedgeScan(cdp, wrong);
    await expect.poll(resultTone).toBe('refused');
    expect(await lastSound()).toBe('error');
    expect(await awaiting()).toBe('bin');
    await shot(page, 'operator-misbin');
    binLabel = expected?.labels[0] ?? `BIN-${expected?.bin}`;
    await wedgeScan(cdp, binLabel);
    await expect.poll(resultTone).toBe('confirmed');
    expect(await lastSound()).toBe('ok');
    expect(await awaiting()).toBe('case_or_item');
    await expect.poll(caseList).toEqual([`Women's running shoe, 39${expected?.bin ?? ''}binned`]);
    // Tapping the item list leaves focus on the body: no on-screen keyboard (BUG-57).
    await page.click('[data-testid="case"]');
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
  }, 60_000);

  it('tote: pack the bin into a tote and hand it off; the receiver badge acknowledges', async ({ skip }) => {
    if (!workflow) skip();
    await wedgeScan(cdp, binLabel);
    await expect.poll(awaiting).toBe('tote');
    await wedgeScan(cdp, 'TOTE-0001');
    await expect.poll(awaiting).toBe('receiver');
    await shot(page, 'operator-tote');
    await wedgeScan(cdp, 'RCV-0007');
    await expect.poll(awaiting).not.toBe('receiver');
    // The station's record, not just the screen: the handoff of TOTE-0001 is acknowledged.
    const acknowledged = async (): Promise<string[]> =>
      (await api<{ handoffs: Array<{ tote: string; status: string }> }>(demo.url, '/api/workflow/handoffs?status=acknowledged')).body.handoffs.map((h) => h.tote);
    await expect.poll(acknowledged).toContain('TOTE-0001');
    await shot(page, 'operator-handoff');
  }, 60_000);

  it('issue 10: the break nudge appears after 1 h 55 min of continuous work and never blocks scanning', async ({ skip }) => {
    if (!workflow) skip();
    const me = (await screenState())?.operator?.pseudonym ?? '';
    wl.addLiveOperator(me, 115);
    await page.evaluate(() => (window as unknown as RsWindow).__rs.refreshWorkload());
    await page.waitForSelector('[data-testid="nudge"]');
    expect(await page.textContent('[data-testid="nudge"]')).toMatch(/without a break\. A short break helps/);
    expect(await page.textContent('[data-testid="work-timer"]')).toMatch(/Work 1 h 5\d min/);
    await shot(page, 'operator-nudge');
    await wedgeScan(cdp, '4012345000740');
    await expect.poll(awaiting).toBe('grading');
  }, 60_000);

  it('wrong-bin risk: while an item waits for its bin, another item scan is refused and the bin prompt stays', async ({ skip }) => {
    if (!workflow) skip();
    await grade();
    const expected = (await screenState())?.expectedBin;
    const pendingId = (await screenState())?.pendingItemId;
    await wedgeScan(cdp, '4012345000740');
    await expect.poll(resultTone).toBe('refused');
    expect(await lastSound()).toBe('error');
    expect(await page.textContent('#result-what')).toContain(`First put the Women's running shoe, 39 in bin ${expected?.bin ?? ''}`);
    expect(await screenState()).toMatchObject({ awaiting: 'bin', pendingItemId: pendingId, expectedBin: { bin: expected?.bin } });
    expect(await page.locator('[data-testid="await-bin"]').count()).toBe(1);
    // The prompt shows the label text to scan, not only the bin's name (a first user scanned "RESTOCK").
    expect(await page.textContent('[data-testid="await-bin"]')).toContain(expected?.labels[0] ?? 'no label');
    await wedgeScan(cdp, expected?.labels[0] ?? '');
    await expect.poll(resultTone).toBe('confirmed');
    expect(await awaiting()).not.toBe('bin');
  }, 60_000);

  it('camera: the fake camera playing a fixture photo becomes one scan on the screen', async () => {
    const before = await page.evaluate(() => (window as unknown as RsWindow).__rs.metrics.scanToPaint.length);
    await page.click('[data-testid="camera"]');
    await expect.poll(() => page.evaluate(() => (window as unknown as RsWindow).__rs.metrics.scanToPaint.length), { timeout: 30_000 }).toBeGreaterThan(before);
    // The photo's code (fixtures/images/manifest.json: 5201815331227, from ZXing's test set) is now an item of the case.
    const items = async (): Promise<string[]> =>
      ((await api<{ case?: { items: Array<{ gtin?: string }> } }>(demo.url, '/api/workflow/screens/main')).body.case?.items ?? []).map((i) => i.gtin ?? '');
    await expect.poll(items, { timeout: 10_000 }).toContain('05201815331227');
    await shot(page, 'operator-camera');
    await page.click('[data-testid="camera"]');
    expect(await page.textContent('[data-device="camera"]')).toContain('camera');
  }, 60_000);

  it('supervisor override: resolving an exception needs a reason, then it is gone from the queue', async ({ skip }) => {
    if (!workflow) skip();
    // An exception of its own, so this test does not depend on what the camera step read: a second screen, another
    // operator, a product missing from the catalog (EAN-13 4006381333931, valid check digit).
    expect((await api<{ ok: boolean }>(demo.url, '/api/workflow/sign-in', { badge: 'RCV-0007', screen: 'side', idempotencyKey: key() })).body.ok).toBe(true);
    const scanned = await api<{ ok: boolean; exception?: { code: string } }>(demo.url, '/api/workflow/scan', { code: '4006381333931', screen: 'side', answers: { sealed: 'yes' }, idempotencyKey: key() });
    expect(scanned.body).toMatchObject({ ok: true, exception: { code: expect.any(String) } });
    const open = await api<{ exceptions: Array<{ id: string }> }>(demo.url, '/api/workflow/exceptions?status=open');
    expect(open.body.exceptions.length).toBeGreaterThan(0);
    const sup = await ctx.newPage();
    await sup.goto(`${demo.url}/#/supervisor`);
    await sup.fill('#sup-badge', 'SUP-0001');
    await sup.click('.sup-signin button[type="submit"]');
    await sup.waitForSelector('[data-testid="tab-queue"] tr[data-exception]');
    const row = sup.locator('tr[data-exception]').first();
    const id = await row.getAttribute('data-exception');
    await row.locator('button', { hasText: 'Accept' }).click();
    await expect.poll(() => row.textContent()).toContain('A reason is required');
    await row.locator('input.reason').fill('Customer service confirmed the product by photo');
    await row.locator('button', { hasText: 'Accept' }).click();
    await expect.poll(() => sup.locator(`tr[data-exception="${id}"]`).count()).toBe(0);
    await shot(sup, 'supervisor-queue');
    await sup.close();
    expect(errors).toEqual([]);
  }, 60_000);
});
