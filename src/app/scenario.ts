import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { StationError } from '../core/errors.js';
import type { CompiledRuleSet, FactIssue } from '../rules/index.js';

/**
 * A scenario is a list of returned items as they reach the dock: an RFID tag (EPC hex as the reader reports it)
 * or a barcode (text as the scanner sends it, `\u001d` for the GS1 separator), with what the customer declared and
 * what the operator would answer when grading.
 */
const itemSchema = z
  .object({
    epc: z.string().regex(/^[0-9A-Fa-f]{8,124}$/, 'EPC as hex digits').optional(),
    barcode: z.string().min(1).optional(),
    reason: z.string().min(1),
    grade: z.string().min(1),
    daysSinceDelivery: z.number().int().min(0).optional(),
    rma: z.string().optional(),
    antenna: z.number().int().min(1).max(32).default(1),
    note: z.string().optional(),
  })
  .strict()
  .refine((i) => (i.epc === undefined) !== (i.barcode === undefined), { message: 'each item needs exactly one of "epc" or "barcode"' });

const scenarioSchema = z
  .object({
    description: z.string().optional(),
    source: z.string().optional(),
    intervalMs: z.number().int().min(0).max(60_000).default(150),
    items: z.array(itemSchema).min(1),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioItem = Scenario['items'][number];

/**
 * `ruleSet`: the rule set the station decides with. Each item's `reason` and `grade` must then be values it declares
 * (FACT_INVALID, naming the item and listing the allowed values): a typo such as "sizefit" would otherwise be fed
 * through the real intake and decided as some other reason.
 */
export function loadScenario(path: string, ruleSet?: Pick<CompiledRuleSet, 'checkFacts'>): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new StationError('SCENARIO_UNREADABLE', `Cannot read the scenario file ${path} (it must be JSON)`, { cause: e });
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new StationError('SCENARIO_INVALID', `The scenario ${path} is invalid:\n  ${lines.join('\n  ')}`);
  }
  if (ruleSet) {
    const issues: Array<FactIssue & { item: number }> = [];
    parsed.data.items.forEach((item, i) => {
      const checked = ruleSet.checkFacts({ reason: item.reason, grade: item.grade });
      if (!checked.ok) for (const issue of checked.error.details.issues) issues.push({ ...issue, item: i });
    });
    if (issues.length > 0) {
      const lines = issues.map((x) => `items.${x.item}.${x.field}: ${x.text.en}`);
      throw new StationError('FACT_INVALID', `The scenario ${path} has values the rule set does not know:\n  ${lines.join('\n  ')}`, {
        details: { issues: issues.map(({ item, field, value, allowed }) => ({ item, field, value, allowed })) },
      });
    }
  }
  return parsed.data;
}
