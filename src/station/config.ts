import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { StationError } from '../core/errors.js';

/**
 * Workflow configuration: what the station requires (RMAs, PINs), the grading question flows, departments, bin
 * labels and the handoff escalation time. Lives in its own YAML file (`workflow.yaml`) so supervisors can change the
 * questions without touching the station config. Every key is optional.
 */
const text = z.object({ en: z.string().min(1), 'zh-CN': z.string().min(1) }).strict();

const answerSchema = z
  .object({
    value: z.string().min(1),
    label: text,
    /** Facts this answer sets besides the question's own fact (e.g. sealed → packaging: original_sealed). */
    set: z.record(z.string(), z.string()).default({}),
    /** The next question id; absent = the flow ends here. */
    next: z.string().optional(),
  })
  .strict();

const questionSchema = z
  .object({
    id: z.string().min(1),
    fact: z.string().min(1),
    text,
    answers: z.array(answerSchema).min(1),
    /** The next question when the answer names none; absent = done. */
    next: z.string().optional(),
  })
  .strict();

const flowSchema = z
  .object({
    start: z.string().min(1),
    questions: z.array(questionSchema).min(1),
  })
  .strict();

const departmentSchema = z
  .object({ id: z.string().min(1), code: z.string().min(1).optional(), name: text.optional() })
  .strict();

export const workflowConfigSchema = z
  .object({
    /** Items without an RMA/order go to the exceptions queue (NO_RMA). Off by default: the demo has no RMAs. */
    requireRma: z.boolean().default(false),
    /** Badges need a PIN as well. */
    requirePin: z.boolean().default(false),
    /**
     * Wrong PINs for one badge (sign-in, supervisor override/resolve) before that badge's PIN is locked (PIN_LOCKED,
     * HTTP 429), and for how long; the same limits as the web sign-in (auth.maxLoginFailures, 15 minutes).
     */
    pinMaxFailures: z.number().int().min(1).max(100).default(5),
    pinLockMinutes: z.number().positive().max(1440).default(15),
    /** Unacknowledged handoffs escalate to the supervisor after this many minutes. */
    escalateAfterMin: z.number().positive().default(30),
    /** How often the escalation check runs, seconds. */
    escalationCheckSec: z.number().positive().default(15),
    exceptionsBin: z.string().min(1).default('EXCEPTIONS'),
    /** Where an item whose serial was never shipped on its order goes physically (BUG-64): held, never stock. */
    quarantineBin: z.string().min(1).default('QUARANTINE'),
    /** Bin name → labels that confirm it. Unlisted bins are confirmed by `BIN-<bin>`. */
    binLabels: z.record(z.string(), z.array(z.string().min(1))).default({}),
    /** Labels that are totes: prefix match (GRAI / SSCC are recognised by identity). */
    totePrefixes: z.array(z.string().min(1)).default(['TOTE-']),
    departmentPrefix: z.string().min(1).default('DEPT-'),
    departments: z.array(departmentSchema).default([]),
    /** Flow id per product category; `default` for the rest. */
    flowByCategory: z.record(z.string(), z.string()).default({}),
    flows: z.record(z.string(), flowSchema).default({}),
    /** The screen RFID intake reads go to. */
    rfidScreen: z.string().min(1).default('main'),
  })
  .strict();

export type WorkflowConfig = z.infer<typeof workflowConfigSchema>;
export type FlowConfig = z.infer<typeof flowSchema>;
export type QuestionConfig = z.infer<typeof questionSchema>;

const t = (en: string, zh: string): { en: string; 'zh-CN': string } => ({ en, 'zh-CN': zh });

/** The shipped flow: "factory sealed?" skips inspection; otherwise condition, then packaging. */
export const DEFAULT_FLOW: FlowConfig = {
  start: 'reason',
  questions: [
    {
      id: 'reason',
      fact: 'reason',
      text: t('Why was it returned?', '退货原因？'),
      next: 'sealed',
      answers: [
        { value: 'defective', label: t('Defective', '有缺陷'), set: {} },
        { value: 'damaged_in_transit', label: t('Damaged in transit', '运输中损坏'), set: {} },
        { value: 'wrong_item', label: t('Wrong item', '发错货'), set: {} },
        { value: 'not_as_described', label: t('Not as described', '与描述不符'), set: {} },
        { value: 'changed_mind', label: t('Changed mind', '不想要了'), set: {} },
        { value: 'size_fit', label: t('Size / fit', '尺码不合适'), set: {} },
      ],
    },
    {
      id: 'sealed',
      fact: 'sealed',
      text: t('Factory sealed?', '原厂密封？'),
      answers: [
        { value: 'yes', label: t('Yes, sealed', '是，未拆封'), set: { grade: 'sealed', packaging: 'original_sealed' } },
        { value: 'no', label: t('No, opened', '否，已拆封'), set: {}, next: 'grade' },
      ],
    },
    {
      id: 'grade',
      fact: 'grade',
      text: t('Condition?', '成色？'),
      next: 'packaging',
      answers: [
        { value: 'like_new', label: t('Like new', '近新'), set: {} },
        { value: 'used', label: t('Used', '使用过'), set: {} },
        { value: 'damaged', label: t('Damaged', '损坏'), set: {} },
        { value: 'missing_parts', label: t('Missing parts', '缺件'), set: {} },
      ],
    },
    {
      id: 'packaging',
      fact: 'packaging',
      text: t('Packaging?', '包装？'),
      answers: [
        { value: 'original_opened', label: t('Original, opened', '原包装已拆'), set: {} },
        { value: 'damaged', label: t('Damaged', '包装破损'), set: {} },
        { value: 'none', label: t('None', '无包装'), set: {} },
      ],
    },
  ],
};

/** Departments the default rule set sends items to. */
export const DEFAULT_DEPARTMENTS = [
  'inventory', 'refurbishment', 'repair_center', 'vendor_returns', 'resale', 'liquidation', 'donations', 'recycling', 'waste',
  'hazmat_handling', 'loss_prevention', 'customer_service', 'supervisor',
];

export function workflowConfig(input: unknown = {}): WorkflowConfig {
  const parsed = workflowConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new StationError('WORKFLOW_CONFIG_INVALID', `workflow config: ${i ? `${i.path.join('.') || '(top level)'}: ${i.message}` : 'invalid'}`);
  }
  const cfg = parsed.data;
  if (!cfg.flows.default) cfg.flows.default = DEFAULT_FLOW;
  if (cfg.departments.length === 0) cfg.departments = DEFAULT_DEPARTMENTS.map((id) => ({ id }));
  for (const [id, flow] of Object.entries(cfg.flows)) {
    const ids = new Set(flow.questions.map((q) => q.id));
    const refs = [flow.start, ...flow.questions.flatMap((q) => [q.next, ...q.answers.map((a) => a.next)])].filter((x): x is string => x !== undefined);
    const missing = refs.find((r) => !ids.has(r));
    if (missing) throw new StationError('WORKFLOW_CONFIG_INVALID', `workflow config: flows.${id}: question "${missing}" is named but not defined`);
  }
  for (const [cat, flow] of Object.entries(cfg.flowByCategory)) {
    if (!cfg.flows[flow]) throw new StationError('WORKFLOW_CONFIG_INVALID', `workflow config: flowByCategory.${cat}: no flow "${flow}"`);
  }
  return cfg;
}

export function loadWorkflowConfig(path: string): WorkflowConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new StationError('WORKFLOW_CONFIG_UNREADABLE', `Cannot read the workflow config ${path}`, { cause: e });
  }
  return workflowConfig(raw);
}

/** Department code as printed on its label: DEPT-REPAIR-CENTER for repair_center. */
export function departmentCode(cfg: WorkflowConfig, id: string): string {
  const d = cfg.departments.find((x) => x.id === id);
  return d?.code ?? `${cfg.departmentPrefix}${id.toUpperCase().replace(/_/g, '-')}`;
}

export function binLabels(cfg: WorkflowConfig, bin: string): string[] {
  return cfg.binLabels[bin] ?? [`BIN-${bin}`];
}
