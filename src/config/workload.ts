import { z } from 'zod';

/**
 * `workload:` in station.yaml (issue 10). Thresholds left out keep the workload area's own defaults
 * (src/workload/config.ts), so the defaults live in one place; only the privacy switch and the HQ interval are
 * decided here.
 */
const minutes = (max: number): z.ZodOptional<z.ZodNumber> => z.number().int().min(1).max(max).optional();

export const workloadSchema = z
  .object({
    // Per-person figures on the supervisor screens only when the site allows it; HQ never gets them either way.
    perPerson: z.boolean().default(false),
    // Fixed offset of the site's local time (heatmap hours, forecast days); +60 = UTC+1.
    utcOffsetMin: z.number().int().min(-720).max(840).default(0),
    // The aggregated HQ message (QoS 0) every this many seconds; 0 = never sent.
    metricsIntervalSec: z.number().int().min(0).max(86_400).default(60),
    breakAfterMin: minutes(1440),
    breakSoonMin: z.number().int().min(0).max(1440).optional(),
    idleGapBreakMin: minutes(1440),
    paceDropPct: z.number().gt(0).lt(100).optional(),
    paceWindowMin: minutes(1440),
    paceMinItems: z.number().int().min(1).max(10_000).optional(),
    misbins30m: z.number().int().min(1).max(10_000).optional(),
    undoRate30m: z.number().gt(0).max(10).optional(),
    undoMinItems: z.number().int().min(1).max(10_000).optional(),
    longShiftMin: z.number().int().min(0).max(2880).optional(),
    sessionStaleMin: minutes(2880),
    targetUtilisation: z.number().gt(0).max(1).optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    // Same rule as workloadConfig(): a break longer than the work limit would make BREAK_DUE fire during breaks.
    const gap = w.idleGapBreakMin ?? 10;
    const limit = w.breakAfterMin ?? 110;
    if (gap >= limit) {
      ctx.addIssue({ code: 'custom', path: [w.idleGapBreakMin !== undefined ? 'idleGapBreakMin' : 'breakAfterMin'], message: `a break (idleGapBreakMin ${gap}) must be shorter than the work limit (breakAfterMin ${limit})` });
    }
  });

export type WorkloadSettings = z.infer<typeof workloadSchema>;

export const WORKLOAD_DEFAULTS: WorkloadSettings = { perPerson: false, utcOffsetMin: 0, metricsIntervalSec: 60 };
