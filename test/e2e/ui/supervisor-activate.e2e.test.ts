/**
 * Activating a rule set from the supervisor screen in Debian's Chromium: a reason is required, a candidate that passes
 * its golden cases becomes the station's active set (and the activation log names the reason), one that breaks them is
 * refused and the active set stays. Screenshot: test-results/ui-supervisor-rules-activated.png.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../../src/app/demo.js';
import type { RulesResponse } from '../../../src/server/routes/supervisor-types.js';
import { api, chromiumAvailable, ensureUiBuilt, launchChromium, ROOT, seedOperators, shot, startStation } from './harness.js';

describe.skipIf(!chromiumAvailable())('supervisor: activate a rule set in Chromium', () => {
  let demo: RunningDemo;
  let dir: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  // The shipped default set (fixtures/rules/default.yaml: id default-general-merchandise, version 2026.12.1).
  const yaml = readFileSync(join(ROOT, 'fixtures/rules/default.yaml'), 'utf8');
  const active = async (): Promise<RulesResponse> => (await api<RulesResponse>(demo.url, '/api/supervisor/rules')).body;

  beforeAll(async () => {
    await ensureUiBuilt();
    ({ demo, dir } = await startStation());
    await seedOperators(demo.url);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${demo.url}/#/supervisor`);
    await page.waitForSelector('[data-testid="sup-signin"], .tabs');
    if (await page.locator('[data-testid="sup-signin"]').count()) {
      await page.fill('#sup-badge', 'SUP-0001');
      await page.click('.sup-signin button[type="submit"]');
    }
    await page.waitForSelector('.tabs');
    await page.click('[data-tab="rules"]');
    await page.waitForSelector('[data-testid="tab-rules"]');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Activate: refused without a reason, then the candidate becomes the active rule set with the reason on record', async () => {
    expect((await active()).active.ref).toMatchObject({ id: 'default-general-merchandise', version: '2026.12.1' });
    await page.fill('textarea.candidate', yaml.replace('version: "2026.12.1"', 'version: "2026.12.2-e2e"'));
    await page.click('[data-testid="activate-btn"]');
    expect(await page.textContent('[data-testid="activate-msg"]')).toBe('A reason is required.');
    expect((await active()).active.ref.version).toBe('2026.12.1');

    await page.fill('[data-testid="tab-rules"] input.reason', 'December review: new version number');
    await page.click('[data-testid="activate-btn"]');
    await expect.poll(() => page.textContent('[data-testid="activate-msg"]')).toBe('accepted: default-general-merchandise 2026.12.2-e2e');
    const now = await active();
    expect(now.active.ref).toMatchObject({ id: 'default-general-merchandise', version: '2026.12.2-e2e' });
    expect(now.history[0]).toMatchObject({ accepted: true, reason: 'December review: new version number', ruleSet: { version: '2026.12.2-e2e' } });
    // The screen reloads what it shows: the heading names the new version, the log its activation.
    await expect.poll(() => page.textContent('[data-testid="tab-rules"] h3')).toContain('2026.12.2-e2e');
    expect(await page.textContent('[data-testid="tab-rules"]')).toContain('December review: new version number');
    await shot(page, 'supervisor-rules-activated');
  }, 60_000);

  it('Activate: a candidate that breaks the golden cases is refused and the active set stays', async () => {
    // Restock rows send items to another bin, while the set's own golden cases (after `golden:`) still expect RESTOCK.
    const at = yaml.indexOf('\ngolden:');
    const broken = yaml.slice(0, at).replace('version: "2026.12.1"', 'version: "2026.12.3-bad"').replaceAll('bin: RESTOCK,', 'bin: RESTOCK-B,') + yaml.slice(at);
    expect(broken).toContain('bin: RESTOCK-B,');
    await page.fill('textarea.candidate', broken);
    await page.fill('[data-testid="tab-rules"] input.reason', 'try a second restock bin');
    await page.click('[data-testid="activate-btn"]');
    await expect.poll(() => page.textContent('[data-testid="activate-msg"]')).toMatch(/^refused: .*golden case "[^"]+" failed/);
    const now = await active();
    expect(now.active.ref.version).toBe('2026.12.2-e2e');
    expect(now.history[0]).toMatchObject({ accepted: false, ruleSet: { version: '2026.12.3-bad' } });
    expect(errors).toEqual([]);
  }, 60_000);
});
