import { StationError } from '../core/errors.js';
import type { WorkloadConfig } from './types.js';

/**
 * Defaults chosen from common break guidance for repetitive standing work (a short break every 1.5–2 hours) and
 * kept deliberately conservative: a signal that fires all the time gets ignored.
 */
export const defaultWorkloadConfig: WorkloadConfig = Object.freeze({
  station: null,
  utcOffsetMin: 0,
  breakAfterMin: 110,
  breakSoonMin: 15,
  idleGapBreakMin: 10,
  paceDropPct: 25,
  paceWindowMin: 60,
  paceMinItems: 6,
  misbins30m: 3,
  undoRate30m: 0.2,
  undoMinItems: 8,
  longShiftMin: 600,
  sessionStaleMin: 120,
  usualSessions: 20,
  usualMinSessions: 3,
  usualMinWorkMin: 60,
  throughputWindowDays: 14,
  forecastWeeks: 8,
  forecastTrendDamping: 0.5,
  targetUtilisation: 0.8,
}) as WorkloadConfig;

const positive: Array<keyof WorkloadConfig> = [
  'breakAfterMin',
  'idleGapBreakMin',
  'paceDropPct',
  'paceWindowMin',
  'misbins30m',
  'sessionStaleMin',
  'usualSessions',
  'throughputWindowDays',
  'forecastWeeks',
];

/** Merges overrides onto the defaults and refuses values that would make every signal meaningless. */
export function workloadConfig(overrides: Partial<WorkloadConfig> = {}): WorkloadConfig {
  const cfg: WorkloadConfig = { ...defaultWorkloadConfig, ...overrides };
  for (const key of positive) {
    const v = cfg[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new StationError('WORKLOAD_BAD_CONFIG', `Workload setting "${key}" must be a number above 0 (got ${String(v)}).`, {
        hint: `Fix workload.${key} in the station config.`,
      });
    }
  }
  if (!(cfg.targetUtilisation > 0 && cfg.targetUtilisation <= 1)) {
    throw new StationError('WORKLOAD_BAD_CONFIG', `Workload setting "targetUtilisation" must be between 0 and 1 (got ${cfg.targetUtilisation}).`, {
      hint: 'Use a share such as 0.8 for 80 %.',
    });
  }
  if (cfg.idleGapBreakMin >= cfg.breakAfterMin) {
    throw new StationError('WORKLOAD_BAD_CONFIG', 'A break (idleGapBreakMin) must be shorter than the work limit (breakAfterMin).', {
      hint: 'Typical values: idleGapBreakMin 10, breakAfterMin 110.',
    });
  }
  return cfg;
}
