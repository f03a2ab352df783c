/**
 * BUG-52 on the screens, in Debian's Chromium against a real station: while a second process holds BEGIN IMMEDIATE on
 * the station's database past the wait and the retries, a scan is answered STORAGE_BUSY and nothing is stored. The
 * page keeps the scan as an in-memory draft and offers to send it again; once the other program is done, one tap
 * stores it, once. Both the operator screen (a badge scan on the sign-in screen) and the station log's entry line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../../src/app/demo.js';
import { chromiumAvailable, ensureUiBuilt, launchChromium, ROOT, seedOperators, startStation, wedgeScan } from './harness.js';

describe.skipIf(!chromiumAvailable())('BUG-52: a scan the station could not store stays on screen as a draft', () => {
  let demo: RunningDemo;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  const holders: ChildProcess[] = [];

  beforeAll(async () => {
    await ensureUiBuilt();
    ({ demo, dir } = await startStation());
    if (!(await seedOperators(demo.url))) throw new Error('the station has no workflow API');
    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    page = await ctx.newPage();
    cdp = await ctx.newCDPSession(page);
  }, 180_000);

  afterEach(async () => {
    for (const c of holders.splice(0)) await release(c);
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Connection B: another process holding BEGIN IMMEDIATE on the station's database until killed. */
  async function holdLock(): Promise<ChildProcess> {
    const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/sync/children/hold-lock.ts'), demo.station.dbPath, '120000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    holders.push(c);
    await new Promise<void>((resolve, reject) => {
      c.stdout?.once('data', (d: Buffer) => (d.toString().includes('locked') ? resolve() : reject(new Error(d.toString()))));
      c.once('exit', (code) => reject(new Error(`the lock holder exited (${String(code)})`)));
    });
    return c;
  }
  async function release(c: ChildProcess): Promise<void> {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }
  const items = (): number => demo.station.sdb.prepare('SELECT COUNT(*) FROM items').pluck().get() as number;
  const draftCodes = async (): Promise<string[]> => page.locator('[data-testid="drafts"] [data-draft]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.draft ?? ''));

  it('BUG-52: operator screen: a badge scan answered STORAGE_BUSY is kept as a draft; "Try again" signs in once the database is free', async () => {
    await page.goto(`${demo.url}/#/`);
    await page.waitForSelector('body[data-ready="1"]');
    await expect.poll(() => page.locator('[data-testid="signin"]').count()).toBe(1);
    const b = await holdLock();
    await wedgeScan(cdp, 'OP-0042');
    await expect.poll(draftCodes, { timeout: 20_000 }).toEqual(['OP-0042']);
    // The answer was the station's STORAGE_BUSY message, not "the station is not answering".
    expect(await page.textContent('.signin-error')).toContain('another program is using its database');
    expect(await page.locator('[data-testid="signin"]').count()).toBe(1);
    await release(b);
    await page.click('[data-testid="retry-drafts"]');
    await expect.poll(() => page.textContent('[data-testid="operator"]').catch(() => null), { timeout: 20_000 }).toBe('Li Wei');
    await expect.poll(() => page.locator('[data-testid="drafts"]').count()).toBe(0);
  }, 90_000);

  it('BUG-52: station log: a typed code answered STORAGE_BUSY stays in the field and in the drafts; "Try again" stores it once', async () => {
    await page.goto(`${demo.url}/#/items`);
    await page.waitForSelector('[data-testid="manual-entry"]');
    const before = items();
    const b = await holdLock();
    await page.fill('[data-testid="manual-entry"] input[name="code"]', '4012345000740');
    await page.click('[data-testid="manual-entry"] button[type="submit"]');
    await expect.poll(draftCodes, { timeout: 20_000 }).toEqual(['4012345000740']);
    expect(await page.inputValue('[data-testid="manual-entry"] input[name="code"]')).toBe('4012345000740');
    expect(items()).toBe(before);
    await release(b);
    await page.click('[data-testid="retry-drafts"]');
    await expect.poll(() => page.locator('[data-testid="drafts"]').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(items).toBe(before + 1);
    // Tapping "Try again" twice, or a resend of a request that did arrive, cannot make a second item (same key).
    await expect.poll(() => page.locator('#items tbody tr[data-id]').count()).toBeGreaterThan(0);
    expect(items()).toBe(before + 1);
  }, 90_000);
});
