/**
 * The operator screen on a touch kiosk, in Debian's Chromium with touch input (taps are touch events, as on the
 * dock's tablet-mode screen): the customer note with the in-app keyboard (BUG-57), Undo within its window, and the
 * full-screen message when the station stops answering under the page. Screenshots go to test-results/.
 * The station is stopped by the last test, so the order of the tests matters.
 */
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../../src/app/demo.js';
import type { CaseItemView, ScreenState } from '../../../src/server/api/workflow-types.js';
import { api, chromiumAvailable, ensureUiBuilt, launchChromium, seedOperators, shot, startStation, wedgeScan } from './harness.js';

type RsWindow = { __rs: { screen: { get(): ScreenState | null; set(s: ScreenState | null): void }; result: { get(): { tone: string; itemId?: string } | null } } };

/** The item the fixture station knows with a short grading flow (Women's running shoe, 39). */
const ITEM = '4012345000740';

describe.skipIf(!chromiumAvailable())('operator screen on a touch kiosk in Chromium', () => {
  let demo: RunningDemo;
  let dir: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let stopped = false;
  const errors: string[] = [];

  beforeAll(async () => {
    await ensureUiBuilt();
    ({ demo, dir } = await startStation());
    // The workflow API is part of the station: without it these tests fail rather than skip.
    if (!(await seedOperators(demo.url))) throw new Error('the station has no workflow API (GET /api/workflow/config is not 200)');
    browser = await launchChromium();
    ctx = await browser.newContext({ viewport: { width: 1366, height: 1024 }, locale: 'en-US', hasTouch: true });
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    await page.goto(`${demo.url}/#/`);
    await page.waitForSelector('body[data-ready="1"]');
    cdp = await ctx.newCDPSession(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (!stopped) await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const screenState = async (): Promise<ScreenState | null> => page.evaluate(() => (window as unknown as RsWindow).__rs.screen.get());
  const awaiting = async (): Promise<string | undefined> => (await screenState())?.awaiting;
  const resultTone = async (): Promise<string | undefined> => page.evaluate(() => (window as unknown as RsWindow).__rs.result.get()?.tone);
  const active = async (): Promise<string> => page.evaluate(() => (document.activeElement === document.body ? 'body' : (document.activeElement?.id || document.activeElement?.tagName || 'none')));
  const keyboardShown = async (): Promise<number> => page.locator('[data-testid="osk"]').count();
  const item = async (id: string): Promise<CaseItemView> => (await api<CaseItemView>(demo.url, `/api/workflow/items/${encodeURIComponent(id)}`)).body;
  const tapKeys = async (text: string): Promise<void> => {
    for (const ch of text) {
      if (ch === ch.toUpperCase() && ch !== ch.toLowerCase()) {
        await page.tap('[data-testid="osk"] [data-key="shift"]');
        await page.tap(`[data-testid="osk"] [data-key="${ch.toLowerCase()}"]`);
      } else await page.tap(`[data-testid="osk"] [data-key="${ch === ' ' ? 'space' : ch}"]`);
    }
  };
  /** Answers every open question by tapping its buttons (the given pick when offered), until the bin prompt. */
  const gradeByTaps = async (pick: (q: NonNullable<ScreenState['question']>) => string): Promise<NonNullable<ScreenState['question']> | undefined> => {
    let last: ScreenState['question'];
    for (let i = 0; i < 6 && (await awaiting()) === 'grading'; i++) {
      const q = (await screenState())?.question;
      if (!q) break;
      last = q;
      await page.tap(`[data-testid="grading"] button[data-answer="${pick(q)}"]`);
      await expect.poll(async () => (await screenState())?.question?.id !== q.id || (await awaiting()) !== 'grading').toBe(true);
    }
    await expect.poll(awaiting).toBe('bin');
    return last;
  };
  const usual = (q: NonNullable<ScreenState['question']>): string =>
    (q.answers.find((a) => ['changed_mind', 'yes', 'like_new', 'original_opened'].includes(a.value)) ?? q.answers[0])?.value ?? '';
  const binBy = async (): Promise<void> => {
    const expected = (await screenState())?.expectedBin;
    await wedgeScan(cdp, expected?.labels[0] ?? '');
    await expect.poll(resultTone).toBe('confirmed');
    await expect.poll(awaiting).toBe('case_or_item');
  };

  it('BUG-57: tapping the item list leaves focus on the body; tapping the note opens the in-app keyboard; its keys type the note, which the API stores', async () => {
    // Sign in and scan an item with the wedge scanner, nothing focused.
    await wedgeScan(cdp, 'OP-0042', { crlf: true });
    await expect.poll(() => page.textContent('[data-testid="operator"]').catch(() => null)).toBe('Li Wei');
    await wedgeScan(cdp, ITEM);
    await expect.poll(awaiting).toBe('grading');
    const itemId = (await screenState())?.pendingItemId ?? '';
    expect(itemId).not.toBe('');
    await page.waitForSelector(`[data-testid="note-box"][data-item="${itemId}"]`);

    // Tapping the item list: nothing takes focus, no keyboard.
    await page.tap('[data-testid="case"] li');
    expect(await active()).toBe('body');
    expect(await keyboardShown()).toBe(0);

    // Tapping the note field: the field has focus, the OS keyboard is told to stay away, the in-app one shows.
    expect(await page.getAttribute('[data-testid="note"]', 'inputmode')).toBe('none');
    await page.tap('[data-testid="note"]');
    expect(await active()).toBe('customer-note');
    expect(await keyboardShown()).toBe(1);
    expect(await page.textContent('[data-testid="osk"] [data-key="close"]')).toBe('Close');

    // On-screen keys type into the field and never take its focus, not even through a re-render of the whole screen.
    await tapKeys('Box crushed, 2 straps');
    await page.tap('[data-testid="osk"] [data-key="backspace"]');
    expect(await page.inputValue('[data-testid="note"]')).toBe('Box crushed, 2 strap');
    await page.evaluate(() => {
      const s = (window as unknown as RsWindow).__rs.screen;
      const now = s.get();
      if (now) s.set({ ...now });
    });
    expect(await active()).toBe('customer-note');
    expect(await keyboardShown()).toBe(1);
    await shot(page, 'operator-note-keyboard');

    // Save key: stored with the item through the workflow API; the field lets go of focus and the keyboard closes.
    await page.tap('[data-testid="osk"] [data-key="enter"]');
    await expect.poll(async () => (await item(itemId)).customerNote?.text).toBe('Box crushed, 2 strap');
    await expect.poll(() => page.textContent('[data-testid="note-status"]').catch(() => null)).toBe('Note saved');
    expect(await active()).toBe('body');
    expect(await keyboardShown()).toBe(0);
    const inCase = (await api<ScreenState>(demo.url, '/api/workflow/screens/main')).body.case?.items.find((i) => i.itemId === itemId);
    expect(inCase?.customerNote?.text).toBe('Box crushed, 2 strap');

    // Tapping the list while the note field has focus: focus goes back to the body and the keyboard closes.
    await page.tap('[data-testid="note"]');
    expect(await keyboardShown()).toBe(1);
    await page.tap('[data-testid="case"] li');
    expect(await active()).toBe('body');
    expect(await keyboardShown()).toBe(0);

    // With the field not focused, wedge scans work as before: grade by taps, then the bin label by scanner.
    await gradeByTaps(usual);
    await binBy();
    expect((await item(itemId)).customerNote?.text).toBe('Box crushed, 2 strap');
  }, 90_000);

  it('BUG-57: the in-app keyboard speaks Chinese when the screen does', async () => {
    await page.tap('[data-testid="lang"]');
    // The saved note's confirmation is re-worded too.
    expect(await page.textContent('[data-testid="note-status"]')).toBe('备注已保存');
    await page.tap('[data-testid="note"]');
    expect(await keyboardShown()).toBe(1);
    expect(await page.textContent('[data-testid="osk"] [data-key="close"]')).toBe('关闭');
    expect(await page.textContent('[data-testid="osk"] [data-key="space"]')).toBe('空格');
    expect(await page.textContent('[data-testid="osk"] [data-key="enter"]')).toBe('保存备注');
    expect(await page.getAttribute('[data-testid="osk"]', 'aria-label')).toBe('屏幕键盘');
    await shot(page, 'operator-note-keyboard-zh');
    await page.tap('[data-testid="osk"] [data-key="close"]');
    expect(await keyboardShown()).toBe(0);
    expect(await active()).toBe('body');
    await page.tap('[data-testid="lang"]');
    await expect.poll(() => page.textContent('[data-testid="lang"]')).toBe('中文');
  }, 60_000);

  it('Undo within the window: the last answer is taken back with a correction, and the API state has the new answer', async () => {
    await wedgeScan(cdp, ITEM);
    await expect.poll(awaiting).toBe('grading');
    const itemId = (await screenState())?.pendingItemId ?? '';
    const lastQ = await gradeByTaps(usual);
    if (!lastQ) throw new Error('the item asked no question');
    const before = await item(itemId);
    const chosen = before.answers[lastQ.fact];
    const other = lastQ.answers.find((a) => a.value !== chosen)?.value ?? '';
    expect(other).not.toBe('');
    expect(await resultTone()).toBe('decided');
    await page.tap('[data-testid="undo"]');
    await page.tap(`.undo-panel button[data-answer="${other}"]`);
    await expect.poll(async () => (await item(itemId)).answers[lastQ.fact]).toBe(other);
    const after = await item(itemId);
    expect(after.corrections).toEqual([expect.objectContaining({ kind: 'grade', reason: expect.stringMatching(/^Undone by the operator within \d+ s$/) })]);
    expect(after.decision).toBeDefined();
    await shot(page, 'operator-undo');
    // The item is decided again (its bin may have changed with the answer): binning it takes the bin the station names now.
    await expect.poll(async () => (await screenState())?.expectedBin?.bin).toBe(after.decision?.bin);
    await binBy();
  }, 90_000);

  it('the database cannot be read under the running server: the full-screen database message, gone once it reads again', async () => {
    expect(await page.locator('.fatal').count()).toBe(0);
    // The station's health figures fail the way better-sqlite3 fails on a database it lost. Closing the real
    // connection is not an option here: the MQTT receipt handler would then crash the test process (reported).
    const real = demo.station.health.bind(demo.station);
    demo.station.health = () => {
      throw new TypeError('The database connection is not open');
    };
    try {
      // The page checks health every 5 s; the live socket stays open, so this message is the only sign of trouble.
      await page.waitForSelector('.fatal[data-fatal="database"]', { timeout: 20_000 });
      expect(await page.textContent('.fatal h1')).toBe('The station database has a problem');
      expect(await page.textContent('.fatal')).toContain('Call the supervisor');
      await shot(page, 'operator-database-down');
    } finally {
      demo.station.health = real;
    }
    await page.waitForSelector('.fatal', { state: 'detached', timeout: 20_000 });
  }, 60_000);

  it('the station stops under the page: a full-screen "not answering" message, never a white page', async () => {
    expect(errors).toEqual([]);
    stopped = true;
    await demo.stop();
    await page.waitForSelector('.fatal[data-fatal="server"]', { timeout: 20_000 });
    expect(await page.textContent('.fatal h1')).toBe('The station is not answering');
    expect(await page.textContent('.fatal')).toContain('Nothing scanned before this message is lost');
    expect(await page.locator('.fatal .retrying').count()).toBe(1);
    // The overlay covers the screen (not a white page, not a half-drawn one).
    const box = await page.locator('.fatal').boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 1366, height: 1024 });
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('.fatal') as Element).backgroundColor)).not.toBe('rgb(255, 255, 255)');
    await shot(page, 'operator-offline');
  }, 60_000);
});
