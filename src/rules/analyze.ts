import type { Model } from './model.js';
import type { RuleError, RuleWarning } from './types.js';

export function analyze(_m: Model): { errors: RuleError[]; warnings: RuleWarning[] } {
  return { errors: [], warnings: [] };
}
