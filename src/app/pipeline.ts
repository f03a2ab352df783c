import { createHash, randomUUID } from 'node:crypto';
import type { Catalog, Product } from '../catalog/catalog.js';
import type { TypedBus } from '../core/bus.js';
import { createLogger } from '../core/logger.js';
import { identify, identifyEpcHex, type IdentifyResult, type ItemIdentity } from '../identity/index.js';
import type { Decision, RuleRegistry } from '../rules/index.js';
import type { ItemView, LiveMessage, ScanResponse, SyncState } from '../server/api-types.js';
import { buildFacts, exceptionFor, type GradingAnswers } from '../station/facts.js';
import { getItem, listItems, readWatermarks, recordItem, type ItemRow, type StationDb } from '../store/index.js';
import { dispositionEvent, inspectingEvent, receivingEvent, type StationPlace } from '../sync/epcis/index.js';

const log = createLogger('intake');

export interface IntakeRead {
  source: 'rfid' | 'barcode' | 'camera';
  /** Barcode text as scanned, or the EPC hex an RFID reader reported. */
  code: string;
  symbology?: string | undefined;
  answers: GradingAnswers;
  at: number;
  /** Retried requests and double taps carry the same key and change nothing twice. */
  idempotencyKey?: string | undefined;
  operator?: string | undefined;
}

export interface PipelineDeps {
  sdb: StationDb;
  catalog: Catalog;
  rules: RuleRegistry;
  place: StationPlace;
  bus: TypedBus<{ live: LiveMessage }>;
}

/**
 * One read → identity → facts → decision → one transaction (item + its EPCIS events into the outbox) → live push.
 * Nothing here throws on bad input: a code that cannot be identified comes back as a typed error, is shown to the
 * operator, and stores nothing (there is no item to store).
 */
export class IntakePipeline {
  constructor(private readonly deps: PipelineDeps) {}

  process(read: IntakeRead): ScanResponse {
    const { sdb, bus } = this.deps;
    const itemId = read.idempotencyKey ? `k-${createHash('sha256').update(read.idempotencyKey).digest('hex').slice(0, 32)}` : randomUUID();
    if (read.idempotencyKey) {
      const existing = getItem(sdb, itemId);
      if (existing) return { ok: true, item: this.view(existing), duplicate: true };
    }

    const identified: IdentifyResult = read.source === 'rfid' ? identifyEpcHex(read.code) : identify(read.code, read.symbology ? { symbology: read.symbology } : undefined);
    if (!identified.ok) {
      log.info({ code: identified.error.code, source: read.source }, 'read refused');
      bus.emit('live', { type: 'scan-rejected', raw: read.code, error: identified.error });
      return { ok: false, error: identified.error };
    }
    const identity = identified.identity;
    const product = this.deps.catalog.get(identity.gtin);
    const facts = buildFacts(identity, product, read.answers);
    const decision = this.deps.rules.active().evaluate(facts);
    const exception = exceptionFor(product) ?? (decision.disposition === 'exception' ? { code: 'RULES_EXCEPTION', message: decision.explanation.en } : undefined);

    const events = this.events(itemId, identity, decision, read);
    recordItem(
      sdb,
      {
        id: itemId,
        createdAt: read.at,
        source: read.source,
        raw: read.code,
        gtin: identity.gtin ?? null,
        serial: identity.serial ?? null,
        epc: identity.epc?.pureIdentityUri ?? identity.epc?.hex ?? null,
        identity: { ...identity, warnings: identified.warnings },
        facts,
        decision,
        disposition: decision.disposition,
        bin: decision.bin,
        nextDepartment: decision.nextDepartment,
        status: exception ? 'exception' : 'decided',
        exceptionCode: exception?.code ?? null,
        operator: read.operator ?? null,
        rma: read.answers.rma ?? null,
      },
      events,
    );
    const row = getItem(sdb, itemId);
    if (!row) throw new Error(`item ${itemId} vanished right after it was stored`);
    const item = this.view(row);
    bus.emit('live', { type: 'item', item });
    return { ok: true, item };
  }

  private events(itemId: string, identity: ItemIdentity, decision: Decision, read: IntakeRead): Array<{ eventID: string; [k: string]: unknown }> {
    const common = {
      place: this.deps.place,
      item: { itemId, epc: identity.epc?.pureIdentityUri ?? null, gtin: identity.gtin ?? null, serial: identity.serial ?? null, lot: identity.lot ?? null },
      rma: read.answers.rma ?? null,
      operator: read.operator ?? null,
      ruleSet: { version: decision.ruleSet.version, hash: decision.ruleSet.hash },
      matchedRows: decision.matchedRows.map((m) => `${m.table}#${m.row}`),
    };
    // Timestamps one millisecond apart keep the three steps in order at HQ even when sorted by eventTime.
    return [
      receivingEvent({ ...common, at: read.at, source: read.source }),
      inspectingEvent({ ...common, at: read.at + 1, grade: read.answers.grade ?? 'ungraded' }),
      dispositionEvent({ ...common, at: read.at + 2, disposition: decision.disposition, bin: decision.bin, nextDepartment: decision.nextDepartment }),
    ];
  }

  recent(limit: number): ItemView[] {
    return listItems(this.deps.sdb, { limit }).map((r) => this.view(r));
  }

  /** An item's sync state is that of its last event: confirmed by HQ, taken by the broker, or still waiting. */
  syncStateOf(maxSeq: number | undefined): SyncState {
    if (maxSeq === undefined) return 'confirmed';
    const w = readWatermarks(this.deps.sdb);
    if (w.confirmedSeq >= maxSeq) return 'confirmed';
    if (w.sentThrough >= maxSeq) return 'sent';
    return 'pending';
  }

  view(row: ItemRow): ItemView {
    const seqs = (this.deps.sdb.prepare('SELECT seq FROM outbox WHERE item_id = ? ORDER BY seq').all(row.id) as Array<{ seq: number }>).map((r) => r.seq);
    const identity = row.identity_json ? (JSON.parse(row.identity_json) as ItemIdentity) : undefined;
    const decision = JSON.parse(row.decision_json ?? '{}') as Decision;
    const product: Product | undefined = this.deps.catalog.get(row.gtin ?? undefined);
    const view: ItemView = {
      id: row.id,
      at: row.created_at,
      source: (row.source ?? 'barcode') as ItemView['source'],
      raw: row.raw ?? '',
      disposition: row.disposition ?? decision.disposition,
      bin: row.bin ?? decision.bin,
      nextDepartment: row.next_department ?? decision.nextDepartment,
      matchedRows: decision.matchedRows ?? [],
      explanation: decision.explanation ?? { en: '', 'zh-CN': '' },
      ruleSet: decision.ruleSet,
      status: row.status === 'exception' ? 'exception' : 'decided',
      sync: this.syncStateOf(seqs.at(-1)),
      eventSeqs: seqs,
    };
    if (row.gtin) view.gtin = row.gtin;
    if (row.serial) view.serial = row.serial;
    if (identity?.lot) view.lot = identity.lot;
    if (row.epc) view.epc = row.epc;
    if (product) {
      view.productName = product.name;
      view.category = product.category;
    }
    if (row.exception_code) view.exception = { code: row.exception_code, message: exceptionMessage(row.exception_code) };
    return view;
  }
}

function exceptionMessage(code: string): string {
  switch (code) {
    case 'NOT_IN_CATALOG':
      return 'This product is not in the catalog: put it in the exceptions bin for a supervisor.';
    default:
      return 'This item needs a supervisor: put it in the exceptions bin.';
  }
}
