/**
 * Emulator scenarios (JSON or YAML): tags in the field over time and line faults, for the demo and tests.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { StationError, errorMessage } from '../../src/core/errors.js';
import type { ReaderEmulator } from './emulator.js';

// Strict objects: a misspelt key ("addtags") would otherwise be ignored and the scenario silently do less.
const tag = z.object({
  epc: z.string().regex(/^[0-9A-Fa-f]{4,64}$/, 'EPC must be hex'),
  antenna: z.number().int().min(1).max(16).default(1),
  rssi: z.number().optional(),
  tid: z.string().regex(/^[0-9A-Fa-f]+$/).optional(),
}).strict();
const faults = z.object({
  splitFrames: z.boolean().optional(),
  dropByteEveryNFrames: z.number().int().positive().optional(),
  garbageEveryNFrames: z.number().int().positive().optional(),
  silent: z.boolean().optional(),
}).strict();
const step = z.object({
  atMs: z.number().nonnegative(),
  setTags: z.array(tag).optional(),
  addTags: z.array(tag).optional(),
  removeEpcs: z.array(z.string()).optional(),
  faults: faults.optional(),
  /** Drop connected clients / the port (TCP, or stop answering on serial). */
  disconnect: z.boolean().optional(),
}).strict();
export const scenarioSchema = z.object({
  version: z.literal(1).default(1),
  antennas: z.array(z.number().int().min(1).max(16)).optional(),
  firmware: z.string().optional(),
  tags: z.array(tag).default([]),
  faults: faults.optional(),
  steps: z.array(step).default([]),
  loop: z.boolean().default(false),
}).strict();
export type Scenario = z.infer<typeof scenarioSchema>;

/**
 * Reads and validates a scenario file. Failures are StationErrors (`SCENARIO_UNREADABLE`, `SCENARIO_INVALID`)
 * naming the file and the first bad key, so `emulate-reader` can print one line instead of a stack trace.
 */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new StationError('SCENARIO_UNREADABLE', `Cannot read the reader scenario ${file}: ${errorMessage(e)}`, {
      hint: 'Check the path given with --scenario.',
      details: { file },
    });
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new StationError('SCENARIO_INVALID', `The reader scenario ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${errorMessage(e)}`, {
      details: { file },
    });
  }
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const key = first ? first.path.join('.') || '(root)' : '(root)';
    throw new StationError('SCENARIO_INVALID', `scenario ${file}: ${key}: ${first?.message ?? 'invalid'}`, { details: { file, key } });
  }
  return r.data;
}

/** Play the steps; returns a stop function. `onDisconnect` is called for steps with `disconnect`. */
export function playScenario(em: ReaderEmulator, sc: Scenario, onDisconnect?: () => void): () => void {
  if (sc.antennas) em.field.antennas = sc.antennas;
  if (sc.firmware) em.field.firmware = sc.firmware;
  em.setTags(sc.tags);
  if (sc.faults) em.faults = { ...sc.faults };
  const timers: NodeJS.Timeout[] = [];
  const total = Math.max(0, ...sc.steps.map((s) => s.atMs));
  const schedule = (offset: number): void => {
    for (const s of sc.steps) {
      timers.push(
        setTimeout(() => {
          if (s.setTags) em.setTags(s.setTags);
          for (const t of s.addTags ?? []) em.addTag(t);
          for (const e of s.removeEpcs ?? []) em.removeTag(e);
          if (s.faults) em.faults = { ...s.faults };
          if (s.disconnect) onDisconnect?.();
        }, offset + s.atMs),
      );
    }
    if (sc.loop && sc.steps.length > 0) timers.push(setTimeout(() => schedule(0), offset + total + 1));
  };
  schedule(0);
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
