import type BetterSqlite3 from 'better-sqlite3';
import type { Catalog } from '../catalog/catalog.js';
import type { Decision, RuleRegistry } from '../rules/index.js';
import type { LiveMessage } from '../server/api-types.js';
import type { WorkEvent } from '../workload/types.js';
import type { WorkflowConfig } from './config.js';

/**
 * What the workflow needs from the rest of the station. The composition root (src/app) provides the EPCIS event
 * builders and the item/outbox writers, so this folder stays before store and sync in the flow; all of them run
 * inside the workflow's own transaction, which is what makes "state change + its events" one commit.
 */
export interface OutboxEventLike {
  eventID: string;
  [key: string]: unknown;
}

export interface EventItem {
  itemId: string;
  epc?: string | null;
  gtin?: string | null;
  serial?: string | null;
  lot?: string | null;
  quantity?: number;
}

export interface ItemEventCtx {
  item: EventItem;
  at: number;
  /** null: an item of the plain intake, which has no case */
  caseId: string | null;
  rma: string | null;
  /** the case's order: travels as rs:orderNo, so HQ knows the order even when an order has several RMAs and none was named */
  orderNo?: string | null;
  operator: string | null;
  /** idempotency key of the action: part of the eventID, so a replayed action re-creates the same IDs */
  key: string;
}

export interface WorkflowEvents {
  received(c: ItemEventCtx & { source: string }): OutboxEventLike;
  inspected(c: ItemEventCtx & { grade: string; answers: Record<string, string> }): OutboxEventLike;
  decided(c: ItemEventCtx & { decision: Decision }): OutboxEventLike;
  binned(c: ItemEventCtx & { bin: string; disposition: string; confirmedBy: 'scan' | 'button' | 'rfid' }): OutboxEventLike;
  packed(c: { tote: string; items: EventItem[]; at: number; operator: string | null; key: string }): OutboxEventLike;
  handedOff(c: { tote: string; department: string; handoffId: string; at: number; operator: string | null; key: string; rmas: string[] }): OutboxEventLike;
  acknowledged(c: { tote: string; department: string; handoffId: string; at: number; operator: string | null; receivedBy: string | null; key: string }): OutboxEventLike;
  /** EPCIS error declaration of `original`, pointing at the corrective events. */
  corrected(original: OutboxEventLike, c: { at: number; operator: string | null; correctiveEventIDs: string[]; note: string }): OutboxEventLike;
}

/** The `items` row the workflow keeps up to date (the same table the plain scan path writes). */
export interface ItemRowInput {
  id: string;
  caseId: string;
  createdAt: number;
  source: string;
  raw: string;
  gtin: string | null;
  serial: string | null;
  epc: string | null;
  identity: unknown;
  facts: unknown;
  decision: unknown;
  disposition: string | null;
  bin: string | null;
  nextDepartment: string | null;
  status: string;
  exceptionCode: string | null;
  operator: string | null;
  rma: string | null;
}

export interface WorkflowStore {
  /** Insert or update the item row. Called inside the workflow's transaction. */
  upsertItem(row: ItemRowInput): void;
  /** Append events to the outbox. Called inside the workflow's transaction; returns their sequence numbers. */
  append(events: readonly OutboxEventLike[], itemId: string | null): number[];
}

export interface WorkflowDeps {
  db: BetterSqlite3.Database;
  catalog: Catalog;
  rules: RuleRegistry;
  config: WorkflowConfig;
  station: string;
  events: WorkflowEvents;
  store: WorkflowStore;
  emit?: (msg: LiveMessage) => void;
  /** Operator activity for the workload monitor; called inside the transaction, failures are swallowed. */
  work?: (ev: WorkEvent) => void;
  now?: () => number;
}
