import { createHmac } from 'node:crypto';

/**
 * The operator name stored with work events: a keyed hash of the badge id, so the raw badge id never reaches the
 * workload table, HQ or a log. The secret stays on the station; without it the pseudonym cannot be reversed by
 * trying every badge number.
 */
export function operatorPseudonym(badgeId: string, siteSecret: string): string {
  return 'op-' + createHmac('sha256', siteSecret).update(badgeId.trim()).digest('hex').slice(0, 12);
}
