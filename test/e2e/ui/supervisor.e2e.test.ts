/**
 * Supervisor screens in Debian's Chromium: rule tables with golden results, a replay diff, the workload charts
 * (issue 10: arrivals heatmap, forecast + staffing, signals), devices, sync and the CSV export, and the language
 * switch to Chinese. Screenshots go to test-results/.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../../src/app/demo.js';
import { api, seedOperators, chromiumAvailable, ensureUiBuilt, launchChromium, ROOT, shot, startStation } from './harness.js';
import { workloadFixture } from './workload-fixture.js';

describe.skipIf(!chromiumAvailable())('supervisor screens in Chromium', () => {
  let demo: RunningDemo;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let wl: ReturnType<typeof workloadFixture>;
  const errors: string[] = [];

  beforeAll(async () => {
    await ensureUiBuilt();
    ({ demo, dir } = await startStation());
    wl = workloadFixture(demo.station.context().config.station);
    wl.addLiveOperator('op-tired0000001', 115);
    wl.addLiveOperator('op-fresh0000002', 40);
    demo.station.services.set('workload', wl.monitor);
    // This site allows per-person figures on the supervisor screens (workload.perPerson; off by default).
    demo.station.services.set('workload.perPerson', true);
    await seedOperators(demo.url);
    // A few decided items, so replay has history to run over.
    for (const code of ['4012345000740', '0100614141001859', '4006381333931']) {
      await api(demo.url, '/api/scans', { code, reason: 'changed_mind', grade: 'sealed', idempotencyKey: `seed-${code}` });
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    wl?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(): Promise<void> {
    await page.goto(`${demo.url}/#/supervisor`);
    await page.waitForSelector('[data-testid="sup-signin"], .tabs');
    if (await page.locator('[data-testid="sup-signin"]').count()) {
      await page.fill('#sup-badge', process.env.UI_SUP_BADGE ?? 'SUP-0001');
      await page.click('.sup-signin button[type="submit"]');
    }
    await page.waitForSelector('.tabs');
  }

  it('rules: tables with golden results, and a replay diff of a candidate', async () => {
    await signIn();
    await page.click('[data-tab="rules"]');
    await page.waitForSelector('[data-testid="golden"]');
    expect(await page.textContent('[data-testid="golden"]')).toMatch(/Golden cases: (\d+) of \1 pass/);
    expect(await page.locator('[data-table="disposition"] tbody tr').count()).toBeGreaterThan(10);
    const yaml = readFileSync(join(ROOT, 'fixtures/rules/default.yaml'), 'utf8');
    await page.fill('textarea.candidate', yaml.replace('bin: RESTOCK', 'bin: RESTOCK-B'));
    await page.click('[data-testid="replay-btn"]');
    await page.waitForSelector('[data-testid="replay"]');
    expect(await page.textContent('[data-testid="replay"]')).toMatch(/\d+ cases/);
    await shot(page, 'supervisor-rules');
  }, 60_000);

  it('workload: heatmap, forecast with staffing, and the break signal with its reason', async () => {
    await page.click('[data-tab="workload"]');
    await page.waitForSelector('[data-testid="chart-heatmap"][data-ready="1"]');
    await page.waitForSelector('[data-testid="chart-forecast"][data-ready="1"]');
    await page.waitForSelector('[data-testid="chart-pace"][data-ready="1"]');
    expect(await page.locator('[data-testid="chart-heatmap"] canvas').count()).toBeGreaterThanOrEqual(1);
    const signals = await page.textContent('[data-testid="signals"]');
    expect(signals).toContain('op-tired0000001');
    expect(signals).toMatch(/1 h 5\d min without a break/);
    expect(await page.locator('[data-signal="BREAK_DUE"]').count()).toBeGreaterThanOrEqual(1);
    await page.waitForTimeout(300);
    await shot(page, 'supervisor-workload');
  }, 60_000);

  it('devices, sync and CSV export', async () => {
    await page.click('[data-tab="devices"]');
    await page.waitForSelector('[data-testid="tab-devices"] tr[data-device="reader-1"]');
    expect(await page.textContent('[data-testid="tab-devices"]')).toContain('1 → intake');
    // Read rate of the emulated reader (its field is empty in this run, so the number itself is not asserted).
    expect(await page.textContent('tr[data-device="reader-1"] [data-testid="read-rate"]')).toMatch(/^\d+ \/ min/);
    await shot(page, 'supervisor-devices');
    await page.click('[data-tab="sync"]');
    await page.waitForSelector('[data-testid="export"]');
    await shot(page, 'supervisor-sync');
    const csv = await page.evaluate(async () => (await fetch('/api/supervisor/export/items.csv')).text());
    expect(csv.split('\n')[0]).toContain('id,case_id,created_at');
    expect(csv.trim().split('\n').length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('language switch: the whole screen turns Chinese and back', async () => {
    await page.click('[data-tab="workload"]');
    await page.click('[data-testid="lang"]');
    await page.waitForSelector('text=按星期和小时的到货量');
    expect(await page.textContent('.tabs')).toContain('工作量');
    expect(await page.textContent('[data-testid="signals"]')).toContain('没有休息');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.waitForSelector('[data-testid="chart-heatmap"][data-ready="1"]');
    await page.waitForTimeout(300);
    await shot(page, 'supervisor-workload-zh');
    await page.click('[data-testid="lang"]');
    await page.waitForSelector('text=Arrivals per hour and weekday');
    expect(errors).toEqual([]);
  }, 60_000);

  it('Chinese is the default where the system language is Chinese (a fresh kiosk, nothing chosen yet)', async () => {
    const zh = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
    try {
      const p = await zh.newPage();
      await p.goto(`${demo.url}/#/`);
      await p.waitForSelector('[data-testid="signin"]');
      expect(await p.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
      expect(await p.textContent('[data-testid="signin"] h1')).toBe('请扫描工牌开始');
      expect(await p.title()).toBe('退货工作站');
      await shot(p, 'operator-signin-zh');
    } finally {
      await zh.close();
    }
  }, 60_000);
});
