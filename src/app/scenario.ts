import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { StationError } from '../core/errors.js';

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

export function loadScenario(path: string): Scenario {
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
  return parsed.data;
}
