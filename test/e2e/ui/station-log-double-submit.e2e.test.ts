/**
 * BUG-66 on the station log page (#/items), in Debian's Chromium against a real station: "Add item" double-clicked
 * (or Enter pressed twice) is one item. The idempotency key belongs to the entry as typed — code, reason, grade — so
 * both submits carry the same key and the station stores one item and answers the second with it (`duplicate: true`);
 * the page shows one row and no error. After the add the line is cleared, so the same code typed again is a new entry
 * with a new key; an edited entry gets a new key; an entry the station never got keeps its key for the draft's
 * "Try again" and for a second press of Add.
 *
 * The page's requests to /api/scans are held until both submits of the double click are in flight (a slow station),
 * so the second click always lands before the first answer clears the line, as it does on a loaded kiosk.
 */
import { rmSync } from 'node:fs';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../../src/app/demo.js';
import type { ItemView } from '../../../src/server/api-types.js';
import { api, chromiumAvailable, ensureUiBuilt, launchChromium, startStation } from './harness.js';

/** Cotton T-shirt 3-pack, L and denim jeans 32/32 (fixtures/catalog/products.json); the station's scenario feeds neither. */
const TSHIRT = '00614141001118';
const JEANS = '04012345001488';

type ScanBody = { code: string; reason?: string; grade?: string; idempotencyKey?: string };
type RsWindow = { __rs: { played: string[] } };

describe.skipIf(!chromiumAvailable())('BUG-66: "Add item" on the station log, double-clicked, adds one item', () => {
  let demo: RunningDemo;
  let dir: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  /** What the page posted to /api/scans, in order. */
  const sent: ScanBody[] = [];
  /** How /api/scans requests are handled now: passed on, held until `hold` of them are waiting, or failed (no answer). */
  let mode: { kind: 'pass' } | { kind: 'hold'; n: number } | { kind: 'fail' } = { kind: 'pass' };
  const held: Route[] = [];

  beforeAll(async () => {
    await ensureUiBuilt();
    ({ demo, dir } = await startStation());
    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/api/scans', async (route) => {
      sent.push(route.request().postDataJSON() as ScanBody);
      if (mode.kind === 'fail') return route.abort('connectionreset');
      if (mode.kind === 'pass') return route.continue();
      held.push(route);
      if (held.length >= mode.n) for (const r of held.splice(0)) await r.continue();
    });
    await page.goto(`${demo.url}/#/items`);
    await page.waitForSelector('[data-testid="manual-entry"]');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const poll = <T>(f: () => Promise<T> | T) => expect.poll(f, { timeout: 15_000 });
  /** The station's items for a GTIN, through GET /api/items. */
  const stored = async (gtin: string): Promise<ItemView[]> => (await api<{ items: ItemView[] }>(demo.url, '/api/items?limit=1000')).body.items.filter((i) => i.gtin === gtin);
  const rows = (id: string): Promise<number> => page.locator(`#items tbody tr[data-id="${id}"]`).count();
  const rowsShowing = (gtin: string): Promise<number> => page.locator('#items tbody tr', { hasText: gtin }).count();
  const played = (): Promise<string[]> => page.evaluate(() => [...(window as unknown as RsWindow).__rs.played]);
  const codeField = '[data-testid="manual-entry"] input[name="code"]';
  const addButton = '[data-testid="manual-entry"] button[type="submit"]';
  const keysFor = (code: string): string[] => sent.filter((b) => b.code === code).map((b) => b.idempotencyKey ?? '');

  it('BUG-66: a double click on "Add item" stores one item, shows one row and no error; both submits carry one key', async () => {
    const soundsBefore = (await played()).length;
    await page.fill(codeField, TSHIRT);
    await page.selectOption('[data-testid="manual-entry"] select[name="grade"]', 'like_new');
    mode = { kind: 'hold', n: 2 };
    await page.dblclick(addButton);
    await poll(() => keysFor(TSHIRT).length).toBe(2);
    mode = { kind: 'pass' };
    const [first, second] = sent.filter((b) => b.code === TSHIRT);
    // Only what the operator chose is sent: no reason was picked, so none is sent (the rules see it missing).
    expect(first).toMatchObject({ code: TSHIRT, grade: 'like_new' });
    expect(first).not.toHaveProperty('reason');
    expect(second?.idempotencyKey).toBe(first?.idempotencyKey);

    await poll(async () => (await stored(TSHIRT)).length).toBe(1);
    const [item] = await stored(TSHIRT);
    await poll(() => rows(item?.id ?? '')).toBe(1);
    // Both answers are in (the line is cleared after the first), and still one item, one row.
    await poll(() => page.inputValue(codeField)).toBe('');
    expect(await stored(TSHIRT)).toHaveLength(1);
    expect(await rowsShowing(TSHIRT)).toBe(1);
    expect(await page.locator('[role="alert"]').count()).toBe(0);
    // One sound for one item: the second answer (the stored item) is not announced again.
    expect((await played()).slice(soundsBefore)).toHaveLength(1);
    expect(await played()).not.toContain('error');
    expect(errors).toEqual([]);
  }, 60_000);

  it('BUG-66: Enter pressed twice in the code field adds the entry once', async () => {
    await page.fill(codeField, JEANS);
    mode = { kind: 'hold', n: 2 };
    await page.press(codeField, 'Enter');
    await page.press(codeField, 'Enter');
    await poll(() => keysFor(JEANS).length).toBe(2);
    mode = { kind: 'pass' };
    expect(new Set(keysFor(JEANS)).size).toBe(1);
    await poll(() => page.inputValue(codeField)).toBe('');
    await poll(async () => (await stored(JEANS)).length).toBe(1);
    expect(await rowsShowing(JEANS)).toBe(1);
    expect(await page.locator('[role="alert"]').count()).toBe(0);
  }, 60_000);

  it('after an add the line is cleared: the same code typed again is a new entry with a new key (a second item)', async () => {
    await page.fill(codeField, TSHIRT);
    await page.click(addButton);
    await poll(async () => (await stored(TSHIRT)).length).toBe(2);
    const keys = keysFor(TSHIRT);
    expect(keys).toHaveLength(3);
    expect(keys[2]).not.toBe(keys[0]);
    await poll(() => rowsShowing(TSHIRT)).toBe(2);
  }, 60_000);

  it('an entry the station never got keeps its key (Add again, "Try again"); an edited entry gets a new one', async () => {
    const before = (await stored(JEANS)).length;
    // No answer at all: the line and a draft keep the entry, with its key.
    mode = { kind: 'fail' };
    await page.fill(codeField, JEANS);
    await page.click(addButton);
    await poll(() => page.locator('[data-testid="drafts"] [data-draft]').count()).toBe(1);
    expect(await page.inputValue(codeField)).toBe(JEANS);
    // Pressing Add again sends the same entry with the same key (still no answer: still one draft).
    await page.click(addButton);
    await poll(() => keysFor(JEANS).length).toBe(4);
    const [, , k1, k2] = keysFor(JEANS);
    expect(k2).toBe(k1);
    expect(await page.locator('[data-testid="drafts"] [data-draft]').count()).toBe(1);

    // "Try again" sends the draft with that key; once stored, the line is cleared too.
    mode = { kind: 'pass' };
    await page.click('[data-testid="retry-drafts"]');
    await poll(() => page.locator('[data-testid="drafts"]').count()).toBe(0);
    expect(keysFor(JEANS).at(-1)).toBe(k1);
    await poll(() => page.inputValue(codeField)).toBe('');
    await poll(async () => (await stored(JEANS)).length).toBe(before + 1);

    // The entry edited (another grade) is another entry: a new key.
    mode = { kind: 'fail' };
    await page.fill(codeField, JEANS);
    await page.click(addButton);
    await poll(() => page.locator('[data-testid="drafts"] [data-draft]').count()).toBe(1);
    const k3 = keysFor(JEANS).at(-1);
    await page.selectOption('[data-testid="manual-entry"] select[name="grade"]', 'used');
    mode = { kind: 'pass' };
    await page.click(addButton);
    await poll(async () => (await stored(JEANS)).length).toBe(before + 2);
    const k4 = keysFor(JEANS).at(-1);
    expect(k4).not.toBe(k3);
    expect(sent.at(-1)).toMatchObject({ code: JEANS, grade: 'used' });
    await page.click('[data-testid="discard-drafts"]');
    expect(await page.locator('[role="alert"]').count()).toBe(0);
  }, 60_000);
});
