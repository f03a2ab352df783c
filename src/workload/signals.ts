import type { OperatorState } from './operator.js';
import { durationText } from './time.js';
import type { WorkloadConfig, WorkloadSignal } from './types.js';

/**
 * Turns an operator's figures into signals with plain-words reasons. Each signal depends on one figure and one
 * threshold, so "why did this fire" is always answered by its own message.
 */
export function operatorSignals(s: OperatorState, cfg: WorkloadConfig): WorkloadSignal[] {
  const out: WorkloadSignal[] = [];
  if (!s.onBreak && s.continuousWorkMin >= cfg.breakAfterMin) {
    const d = durationText(s.continuousWorkMin);
    out.push({
      code: 'BREAK_DUE',
      severity: 'warn',
      message: { en: `${d.en} without a break`, 'zh-CN': `已连续工作 ${d.zh}，没有休息` },
    });
  } else if (!s.onBreak && cfg.breakSoonMin > 0 && s.continuousWorkMin >= cfg.breakAfterMin - cfg.breakSoonMin) {
    const d = durationText(s.continuousWorkMin);
    const left = cfg.breakAfterMin - s.continuousWorkMin;
    out.push({
      code: 'BREAK_SOON',
      severity: 'info',
      message: {
        en: `${d.en} of work: time for a break in ${left} min`,
        'zh-CN': `已连续工作 ${d.zh}，${left} 分钟后请休息`,
      },
    });
  }
  if (
    !s.onBreak &&
    s.paceVsUsualPct !== undefined &&
    s.usualItemsPerHour !== undefined &&
    s.stretchItems >= cfg.paceMinItems &&
    s.paceVsUsualPct <= -cfg.paceDropPct
  ) {
    const pct = -s.paceVsUsualPct;
    const now = Math.round(s.itemsPerHour);
    const usual = Math.round(s.usualItemsPerHour);
    out.push({
      code: 'PACE_DROP',
      severity: 'warn',
      message: {
        en: `Pace ${pct}% below usual (${now} items/h, usually ${usual})`,
        'zh-CN': `速度比平时慢 ${pct}%（每小时 ${now} 件，平时 ${usual} 件）`,
      },
    });
  }
  if (s.misbinCount30m >= cfg.misbins30m) {
    out.push({
      code: 'MISBINS',
      severity: 'warn',
      message: {
        en: `${s.misbinCount30m} wrong bins in 30 minutes`,
        'zh-CN': `30 分钟内放错箱 ${s.misbinCount30m} 次`,
      },
    });
  }
  const items30 = s.items30m;
  if (s.undoRate30m >= cfg.undoRate30m && items30 >= cfg.undoMinItems) {
    out.push({
      code: 'UNDO_RATE',
      severity: 'info',
      message: {
        en: `${s.undoCount30m} undos or corrections for ${items30} items in 30 minutes`,
        'zh-CN': `30 分钟内 ${items30} 件中撤销或更正 ${s.undoCount30m} 次`,
      },
    });
  }
  if (cfg.longShiftMin > 0 && s.shiftMin >= cfg.longShiftMin) {
    const d = durationText(s.shiftMin);
    out.push({
      code: 'LONG_SHIFT',
      severity: 'info',
      message: { en: `Signed in for ${d.en}`, 'zh-CN': `本班已登录 ${d.zh}` },
    });
  }
  return out;
}
