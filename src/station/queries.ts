import { importCatalog, importReturns, type ImportOptions, type ImportSource } from '../catalog/import.js';
import type {
  CaseView, ExceptionView, HandoffStatus, HandoffView, ImportReport, OperatorUpsertRequest, ScreenState, ToteView, WorkflowConfigView, WorkflowOverview,
} from '../server/api/workflow-types.js';
import { departmentCode } from './config.js';
import { Refusal, tx2, type Core } from './core.js';
import { questionView } from './grading.js';
import { operatorCount, upsertOperator } from './operators.js';
import type { CaseRow, ExceptionRow, HandoffRow, ToteRow } from './rows.js';
import { caseView, exceptionView, handoffView, screenState, toteView } from './views.js';

/** Lists, the supervisor overview, configuration for the screens, operators and imports. */

const cap = (n: number | undefined): number => Math.min(Math.max(n ?? 100, 1), 1000);

export function listCases(core: Core, status: 'open' | 'closed' | undefined, limit?: number): CaseView[] {
  const rows = (status ? core.st('SELECT * FROM wf_cases WHERE status = ? ORDER BY opened_at DESC LIMIT ?').all(status, cap(limit)) : core.st('SELECT * FROM wf_cases ORDER BY opened_at DESC LIMIT ?').all(cap(limit))) as CaseRow[];
  return rows.map((c) => caseView(core, c));
}

export function listExceptions(core: Core, status: 'open' | 'resolved' | undefined, limit?: number): ExceptionView[] {
  const rows = (status ? core.st('SELECT * FROM wf_exceptions WHERE status = ? ORDER BY created_at DESC LIMIT ?').all(status, cap(limit)) : core.st('SELECT * FROM wf_exceptions ORDER BY created_at DESC LIMIT ?').all(cap(limit))) as ExceptionRow[];
  return rows.map((e) => exceptionView(core, e));
}

export function listTotes(core: Core, status: ToteRow['status'] | undefined): ToteView[] {
  const rows = (status ? core.st('SELECT * FROM wf_totes WHERE status = ? ORDER BY updated_at DESC LIMIT 500').all(status) : core.st('SELECT * FROM wf_totes ORDER BY updated_at DESC LIMIT 500').all()) as ToteRow[];
  return rows.map((t) => toteView(core, t));
}

export function listHandoffs(core: Core, status: HandoffStatus | undefined): HandoffView[] {
  const where =
    status === 'acknowledged' ? 'acknowledged_at IS NOT NULL' : status === 'escalated' ? 'acknowledged_at IS NULL AND escalated_at IS NOT NULL' : status === 'pending' ? 'acknowledged_at IS NULL AND escalated_at IS NULL' : '1 = 1';
  return (core.st(`SELECT * FROM wf_handoffs WHERE ${where} ORDER BY handed_at DESC LIMIT 500`).all() as HandoffRow[]).map(handoffView);
}

export function overview(core: Core): WorkflowOverview {
  const dayStart = new Date(core.now());
  dayStart.setHours(0, 0, 0, 0);
  const screens = (core.st('SELECT screen FROM wf_screens ORDER BY screen').pluck().all() as string[]).map((s): ScreenState => screenState(core, s));
  const escalated = listHandoffs(core, 'escalated');
  return {
    openCases: core.st("SELECT COUNT(*) FROM wf_cases WHERE status = 'open'").pluck().get() as number,
    itemsToday: core.st('SELECT COUNT(*) FROM wf_items WHERE created_at >= ?').pluck().get(dayStart.getTime()) as number,
    openExceptions: core.st("SELECT COUNT(*) FROM wf_exceptions WHERE status = 'open'").pluck().get() as number,
    handoffs: {
      pending: core.st('SELECT COUNT(*) FROM wf_handoffs WHERE acknowledged_at IS NULL AND escalated_at IS NULL').pluck().get() as number,
      escalated: escalated.length,
    },
    screens,
    escalated,
  };
}

export function configView(core: Core): WorkflowConfigView {
  const cfg = core.deps.config;
  return {
    requireRma: cfg.requireRma,
    requirePin: cfg.requirePin,
    escalateAfterMin: cfg.escalateAfterMin,
    exceptionsBin: cfg.exceptionsBin,
    departments: cfg.departments.map((d) => ({ id: d.id, code: departmentCode(cfg, d.id), name: d.name ?? { en: d.id.replace(/_/g, ' '), 'zh-CN': d.id } })),
    flows: Object.fromEntries(Object.entries(cfg.flows).map(([id, f]) => [id, { start: f.start, questions: f.questions.map(questionView) }])),
  };
}

/** Registers or updates an operator. The first operator may be created by anyone (bootstrap); then an admin. */
export function putOperator(core: Core, req: OperatorUpsertRequest, byAdmin: boolean): { pseudonym: string; displayName: string; role: string; department?: string } {
  if (!byAdmin && operatorCount(core) > 0) throw new Refusal('ROLE_REQUIRED', tx2('An admin must register operators.', '需要管理员登记操作员。'));
  // The same length as `returns-station user add --pin` (4 to 12 digits), so one PIN serves both sign-ins.
  if (req.pin !== undefined && !/^\d{4,12}$/.test(req.pin)) throw new Refusal('REQUEST_INVALID', tx2('A PIN has 4 to 12 digits.', 'PIN码为4到12位数字。'));
  const op = core.tx(() => upsertOperator(core, req));
  return { pseudonym: op.id, displayName: op.display_name, role: op.role, ...(op.department ? { department: op.department } : {}) };
}

export function runImport(core: Core, kind: 'returns' | 'catalog', src: ImportSource, opts: ImportOptions = {}): ImportReport {
  if (kind === 'returns') {
    const rules = core.deps.rules.active();
    return importReturns(core.db, src, { checkFacts: (f) => rules.checkFacts(f), ...opts });
  }
  return importCatalog(core.db, src, { ...opts, catalog: core.deps.catalog });
}
