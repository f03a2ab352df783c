import { findCaseCode, type CaseRef } from '../catalog/expected.js';
import { Refusal, tx2, type Core } from './core.js';

/**
 * The return a scanned RMA / order / tracking code names, whatever its letter case (BUG-15 kind). Unknown, or
 * several references that differ only in letter case (the station does not guess which one): refused.
 */
export function caseRefOf(core: Core, code: string): CaseRef {
  const found = findCaseCode(core.db, code);
  if (found.kind === 'found') return found.ref;
  if (found.kind === 'ambiguous') throw ambiguousCode(code, found.matches);
  throw new Refusal('RMA_UNKNOWN', tx2(`${code} is not an RMA, order or tracking number this station knows.`, `${code} 不是本工位已知的退货授权、订单或运单号。`), { kind: 'case', hint: 'Check the label, or import the expected returns.' });
}

function ambiguousCode(code: string, matches: ReadonlyArray<CaseRef & { code: string }>): Refusal {
  const en = matches.map((m) => `${m.code} (order ${m.orderNo})`).join(', ');
  const zh = matches.map((m) => `${m.code}（订单 ${m.orderNo}）`).join('、');
  return new Refusal(
    'RMA_AMBIGUOUS',
    tx2(
      `${code} matches ${matches.length} references that differ only in letter case: ${en}. The station does not guess which one: scan the order or tracking number instead.`,
      `${code} 与 ${matches.length} 个仅大小写不同的编号相符：${zh}。工作站不会猜测：请改为扫描订单号或运单号。`,
    ),
    {
      kind: 'case',
      hint: 'Letter case alone cannot tell these returns apart; a supervisor can correct the expected returns.',
      links: matches.map((m) => ({ kind: m.rma ? ('rma' as const) : ('order' as const), id: m.rma ?? m.orderNo, label: m.code })),
      details: { matches: matches.map((m) => ({ code: m.code, orderNo: m.orderNo, ...(m.rma ? { rma: m.rma } : {}) })) },
    },
  );
}
