import type { ExceptionCode, Text } from '../server/api/workflow-types.js';

/**
 * Whether a returned unit may be accepted against its order: pure, so every rule of BUG-60/61/63/64 is tested
 * without a database. The caller gathers the facts (what was shipped, what came back before) and stores the verdict.
 */
export interface LineFacts {
  lineNo: number;
  gtin: string;
  /** base units */
  qtyShipped: number;
  /** base units accepted on this line, in any case (this one included) */
  qtyReturned: number;
  /** of which accepted in earlier cases (BUG-60: a line used up before is "already returned") */
  qtyReturnedBefore?: number;
  serialsShipped: ReadonlySet<string>;
  lotsShipped: ReadonlySet<string>;
}

export interface UnitFacts {
  gtin: string;
  serial?: string | undefined;
  lot?: string | undefined;
  /** base units this scan adds (a pack GTIN adds its content) */
  qty: number;
  serialTracked: boolean;
  lotTracked: boolean;
  /** For a serial: was it already accepted as a return on this order? */
  serialReturnedHere?: { caseId: string; rma?: string | undefined } | undefined;
  /** For a serial: its latest shipment, when that is a different order than this case's. */
  serialShippedLater?: { orderNo: string; shippedAt?: number | undefined } | undefined;
}

export interface Verdict {
  ok: boolean;
  lineNo?: number;
  code?: ExceptionCode;
  text?: Text;
  details?: Record<string, unknown>;
  /** null = item has no serial; the rules' serialMatched fact */
  serialMatched: boolean | null;
}

const t = (en: string, zh: string): Text => ({ en, 'zh-CN': zh });

/** The lines of the order with this unit's GTIN; the first one with quantity left takes it. */
export function matchUnit(unit: UnitFacts, lines: readonly LineFacts[]): Verdict {
  const onOrder = lines.filter((l) => l.gtin === unit.gtin);
  // Serials are checked where the order lists them or the product is serial-tracked; an EPC's serial on a line
  // shipped by quantity only is just the tag's number.
  const withSerials = onOrder.filter((l) => l.serialsShipped.size > 0);
  const checkSerial = unit.serial !== undefined && (withSerials.length > 0 || unit.serialTracked);
  const serialMatched = checkSerial ? withSerials.some((l) => l.serialsShipped.has(unit.serial as string)) : null;
  if (onOrder.length === 0) {
    return { ok: false, code: 'NOT_ON_ORDER', text: t('This product was not shipped on this order.', '此商品不在该订单的发货中。'), serialMatched };
  }
  if (unit.serialTracked && unit.serial === undefined) {
    // BUG-64: a serial-tracked unit without its serial would create a phantom serial in stock.
    return { ok: false, code: 'SERIAL_REQUIRED', text: t('Serial number required: scan the serial label of this item.', '需要序列号：请扫描商品的序列号标签。'), serialMatched: null, lineNo: onOrder[0]?.lineNo };
  }
  if (checkSerial) {
    if (unit.serialShippedLater) {
      // BUG-63: the serial went out again on a later order; a return can only be against its latest shipment.
      return {
        ok: false,
        code: 'SERIAL_SHIPPED_LATER',
        text: t(`Serial ${unit.serial} was shipped again on ${unit.serialShippedLater.orderNo}: return it against that order.`, `序列号 ${unit.serial} 之后已在 ${unit.serialShippedLater.orderNo} 再次发货：请按该订单退货。`),
        details: { latestOrder: unit.serialShippedLater.orderNo },
        serialMatched: false,
      };
    }
    const line = withSerials.find((l) => l.serialsShipped.has(unit.serial as string));
    if (!line) {
      return { ok: false, code: 'SERIAL_NOT_SHIPPED', text: t(`Serial ${unit.serial} was not shipped on this order: quarantine, never stock.`, `序列号 ${unit.serial} 不在该订单发货中：隔离，不得入库。`), serialMatched: false };
    }
    if (unit.serialReturnedHere) {
      return {
        ok: false,
        code: 'ALREADY_RETURNED',
        lineNo: line.lineNo,
        text: t(`Serial ${unit.serial} was already returned on this order.`, `序列号 ${unit.serial} 已在该订单退回过。`),
        details: { earlierCase: unit.serialReturnedHere.caseId, rma: unit.serialReturnedHere.rma },
        serialMatched: true,
      };
    }
  }
  if (unit.lot !== undefined) {
    const withLots = onOrder.filter((l) => l.lotsShipped.size > 0);
    if (withLots.length > 0 && !withLots.some((l) => l.lotsShipped.has(unit.lot as string))) {
      // BUG-64: never auto-accept a lot that was not shipped.
      return { ok: false, code: 'LOT_NOT_SHIPPED', text: t(`Lot ${unit.lot} was not shipped on this order: review needed.`, `批次 ${unit.lot} 不在该订单发货中：需要复核。`), serialMatched, lineNo: withLots[0]?.lineNo };
    }
  } else if (unit.lotTracked && onOrder.some((l) => l.lotsShipped.size > 0)) {
    return { ok: false, code: 'LOT_REQUIRED', text: t('Lot number missing: this product is lot-tracked; review needed.', '缺少批次号：该商品按批次管理，需要复核。'), serialMatched };
  }
  const candidates = checkSerial ? onOrder.filter((l) => l.serialsShipped.has(unit.serial as string)) : unit.lot !== undefined ? onOrder.filter((l) => l.lotsShipped.size === 0 || l.lotsShipped.has(unit.lot as string)) : onOrder;
  const line = candidates.find((l) => l.qtyReturned + unit.qty <= l.qtyShipped);
  if (!line) {
    const shipped = candidates.reduce((s, l) => s + l.qtyShipped, 0);
    const returned = candidates.reduce((s, l) => s + l.qtyReturned, 0);
    const before = candidates.reduce((s, l) => s + (l.qtyReturnedBefore ?? 0), 0);
    // BUG-61: the shipped quantity is the limit, not the ordered one.
    return {
      ok: false,
      code: before >= shipped ? 'ALREADY_RETURNED' : 'MORE_THAN_SHIPPED',
      lineNo: candidates[0]?.lineNo,
      text:
        before >= shipped
          ? t(shipped === 1 ? 'The 1 shipped on this order is already returned: this unit was not shipped on this order.' : `All ${shipped} shipped on this order are already returned: this unit was not shipped on this order.`, `该订单发货的 ${shipped} 件已全部退回：此件不在该订单发货中。`)
          : t(`Only ${shipped === 1 ? '1 was' : `${shipped} were`} shipped on this order: this unit was not shipped on this order.`, `该订单只发货 ${shipped} 件：此件不在该订单发货中。`),
      details: { qtyShipped: shipped, qtyReturned: returned, qty: unit.qty },
      serialMatched,
    };
  }
  return { ok: true, lineNo: line.lineNo, serialMatched };
}

/** Returnable quantity of a line, never below zero (BUG-60). */
export function returnable(line: Pick<LineFacts, 'qtyShipped' | 'qtyReturned'>): number {
  return Math.max(0, line.qtyShipped - line.qtyReturned);
}

export const EXCEPTION_TEXT: Record<string, Text> = {
  NO_RMA: t('No RMA for this item: put it in the exceptions bin for a supervisor.', '此商品没有退货授权：放入异常区，等待主管处理。'),
  NOT_IN_CATALOG: t('This product is not in the catalog: put it in the exceptions bin for a supervisor.', '目录中没有此商品：放入异常区，等待主管处理。'),
  EPC_SHARED: t('Two tags carry the same EPC: count the items by hand; exceptions bin.', '两个标签的EPC相同：请人工清点，放入异常区。'),
  RULES_EXCEPTION: t('The rules send this item to a supervisor: exceptions bin.', '规则要求主管处理此商品：放入异常区。'),
};
