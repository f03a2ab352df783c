import { readFileSync } from 'node:fs';
import { workflowEvents, workflowStore } from '../../src/app/pipeline.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { importCatalog, importReturns } from '../../src/catalog/import.js';
import { loadRuleSetFile, RuleRegistry } from '../../src/rules/index.js';
import type { LiveMessage } from '../../src/server/api-types.js';
import type { WorkflowOk, WorkflowScanResponse } from '../../src/server/api/workflow-types.js';
import { workflowConfig } from '../../src/station/config.js';
import { putOperator } from '../../src/station/queries.js';
import { Workflow } from '../../src/station/workflow.js';
import { openStationDb, type StationDb } from '../../src/store/index.js';
import type { WorkEvent } from '../../src/workload/types.js';

export const fixture = (p: string): string => new URL(`../../fixtures/${p}`, import.meta.url).pathname;

export const BADGE = { ana: 'B-100', bo: 'B-101', sup: 'B-900', refurbReceiver: 'B-200' } as const;
export const SUP_PIN = '4321';

export interface Harness {
  sdb: StationDb;
  wf: Workflow;
  catalog: Catalog;
  work: WorkEvent[];
  /** what the workflow pushed to the screens (WebSocket messages), in order */
  pushes: LiveMessage[];
  clock: { t: number };
  key(): string;
  scan(code: string, more?: Record<string, unknown>): WorkflowScanResponse;
  events(): Array<Record<string, unknown>>;
  close(): void;
}

let rulesCache: RuleRegistry | undefined;
function rules(): RuleRegistry {
  if (!rulesCache) {
    const loaded = loadRuleSetFile(fixture('rules/default.yaml'));
    if (!loaded.ok) throw new Error('default rules do not load');
    rulesCache = new RuleRegistry();
    rulesCache.activate(loaded.ruleSet, { by: 'test' });
  }
  return rulesCache;
}

/** A station workflow on an in-memory database with the fixture catalog, expected returns and four badges. */
export function harness(config: Record<string, unknown> = {}, path = ':memory:'): Harness {
  const sdb = openStationDb(path);
  const catalog = Catalog.fromFile(fixture('catalog/products.json'));
  const extra = JSON.parse(readFileSync(fixture('returns/catalog-extra.json'), 'utf8')) as { products: unknown[] };
  importCatalog(sdb.db, { format: 'json', rows: extra.products }, { catalog });
  importReturns(sdb.db, { format: 'csv', text: readFileSync(fixture('returns/expected-returns.csv'), 'utf8') });
  const clock = { t: Date.parse('2026-12-03T09:00:00Z') };
  const work: WorkEvent[] = [];
  const pushes: LiveMessage[] = [];
  const wf = new Workflow({
    db: sdb.db,
    catalog,
    rules: rules(),
    config: workflowConfig(config),
    station: 'st-1',
    events: workflowEvents({ site: 'test-site', station: 'st-1', tzMinutesWest: 0 }),
    store: workflowStore(sdb),
    now: () => (clock.t += 7),
    work: (ev) => void work.push(ev),
    emit: (m) => void pushes.push(m),
  });
  putOperator(wf.core, { badge: BADGE.ana, displayName: 'Ana', role: 'operator', idempotencyKey: 'k' }, true);
  putOperator(wf.core, { badge: BADGE.bo, displayName: 'Bo', role: 'operator', idempotencyKey: 'k' }, true);
  putOperator(wf.core, { badge: BADGE.sup, displayName: 'Sam', role: 'supervisor', pin: SUP_PIN, idempotencyKey: 'k' }, true);
  putOperator(wf.core, { badge: BADGE.refurbReceiver, displayName: 'Rae', role: 'operator', department: 'refurbishment', idempotencyKey: 'k' }, true);
  let n = 0;
  const key = (): string => `key-${++n}`;
  return {
    sdb,
    wf,
    catalog,
    work,
    pushes,
    clock,
    key,
    scan: (code, more = {}) => wf.scan({ code, idempotencyKey: key(), ...more }),
    events: () => (sdb.prepare('SELECT payload FROM outbox ORDER BY seq').all() as Array<{ payload: string }>).map((r) => JSON.parse(r.payload) as Record<string, unknown>),
    close: () => sdb.close(),
  };
}

export function ok(r: WorkflowScanResponse): WorkflowOk {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r;
}

export function refused(r: WorkflowScanResponse): { code: string; message: string; links?: Array<{ id: string; label: string }>; details?: Record<string, unknown> } {
  if (r.ok) throw new Error(`expected a refusal, got ${r.action}`);
  return r.error;
}

/** GS1 element string for a GTIN with serial / lot (what a 2-D label carries). */
export const gs1 = (gtin: string, ai21?: string, ai10?: string): string => `(01)${gtin}${ai10 ? `(10)${ai10}` : ''}${ai21 ? `(21)${ai21}` : ''}`;
