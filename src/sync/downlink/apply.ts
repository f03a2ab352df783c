/**
 * Checks one downlink message and applies it, or refuses it. All or nothing: a message is applied in one
 * transaction together with its version, or not at all, and the active rules and catalog stay as they were.
 * Never throws: a broken message from the broker is a refusal with a stable code, not a crash.
 */
import type { KeyObject } from 'node:crypto';
import type { Catalog, Product } from '../../catalog/catalog.js';
import { isSqliteBusy, StorageBusyError } from '../../core/busy.js';
import { StationError, errorMessage, isStationError } from '../../core/errors.js';
import { contentHash, type RuleRegistry } from '../../rules/index.js';
import { appliedDownlink, logDownlink, recordDownlinkApplied, type StationDb } from '../../store/index.js';
import { importCatalogContent, importReturnsContent, loadRulesContent, refuseActivation, returnsSource } from './content.js';
import { parseEnvelope, verifyEnvelope, type DownlinkEnvelope, type DownlinkKind, type DownlinkStatusWord } from './envelope.js';

export interface ApplyContext {
  sdb: StationDb;
  rules: RuleRegistry;
  catalog: Catalog;
  site: string;
  /** HQ's Ed25519 public key (`hq.publicKey`); without it rule sets are refused */
  publicKey: KeyObject | undefined;
  now?: () => number;
}

export interface DownlinkOutcome {
  kind: DownlinkKind | 'unknown';
  target: string;
  version: number | null;
  status: DownlinkStatusWord;
  code?: string;
  reason?: string;
  /** the version held for this stream afterwards */
  appliedVersion?: number;
  /** applied products, for the in-memory catalog (put after the commit) */
  products?: Product[];
}

/** Versions are counted per stream: rule sets replace each other, catalog and returns add up per target. */
export const streamOf = (kind: DownlinkKind, target: string): string => (kind === 'rules' ? 'rules' : `${kind}:${target}`);

const refuse = (code: string, message: string): never => {
  throw new StationError(code, message);
};

/** Handles the bytes of one message on `returns/v1/{site}/{target}/{kind}`; undefined for an empty (cleared) message. */
export function handleDownlink(ctx: ApplyContext, target: string, topicKind: DownlinkKind, bytes: Buffer): DownlinkOutcome | undefined {
  // HQ clears a retained downlink with an empty message: nothing to apply and nothing to answer.
  if (bytes.length === 0) return undefined;
  const parsed = parseEnvelope(bytes);
  // The answer names the topic's kind, whatever the message claims: HQ files each station's answers by kind and
  // target, and a misfiled message must not overwrite the answer to the last push on its claimed stream.
  if (!parsed.ok) return { kind: topicKind, target, version: parsed.version ?? null, status: 'refused', code: parsed.code, reason: parsed.message };
  const env = parsed.envelope;
  const base = { kind: topicKind, target, version: env.version };
  try {
    if (env.kind !== topicKind) refuse('DOWNLINK_KIND_MISMATCH', `The message says it holds ${env.kind} but came on the ${topicKind} topic.`);
    const stream = streamOf(env.kind, target);
    const held = appliedDownlink(ctx.sdb, stream);
    if (held && env.version <= held.version) {
      // The retained message is re-delivered on every (re)subscribe: the same version is normal, not an error.
      return { ...base, status: 'ignored', code: 'DOWNLINK_NOT_NEWER', reason: `version ${env.version} is not newer than the applied ${held.version}`, appliedVersion: held.version };
    }
    checkSignature(ctx, target, env);
    const now = (ctx.now ?? Date.now)();
    const record = { stream, kind: env.kind, target, version: env.version, issuedAt: env.issuedAt, appliedAt: now, hash: contentHash(env.payload) };
    let products: Product[] | undefined;
    if (env.kind === 'rules') applyRules(ctx, env, target, record);
    else if (env.kind === 'catalog') products = applyCatalog(ctx, env, target, record);
    else applyReturns(ctx, env, target, record);
    return { ...base, status: 'applied', appliedVersion: env.version, ...(products ? { products } : {}) };
  } catch (e) {
    // A busy database (BUG-52) is STORAGE_BUSY, which the station tries again shortly (station.ts), not a store failure.
    const se = isStationError(e) ? e : isSqliteBusy(e) ? new StorageBusyError(e) : new StationError('DOWNLINK_STORE_FAILED', `The station could not store the downlink: ${errorMessage(e)}`);
    const held = appliedDownlink(ctx.sdb, streamOf(env.kind, target));
    return { ...base, status: 'refused', code: se.code, reason: se.message, ...(held ? { appliedVersion: held.version } : {}) };
  }
}

function checkSignature(ctx: ApplyContext, target: string, env: DownlinkEnvelope): void {
  // Rule sets decide where goods go, so they must come from HQ; catalog and returns are checked when signed.
  if (env.kind !== 'rules' && (env.signature === undefined || !ctx.publicKey)) return;
  if (!ctx.publicKey) refuse('DOWNLINK_NO_PUBLIC_KEY', 'A rule set arrived from HQ, but this station has no HQ public key to check its signature (hq.publicKey in station.yaml).');
  if (env.signature === undefined) refuse('DOWNLINK_UNSIGNED', `Rule set version ${env.version} from HQ is not signed; unsigned rule sets are never used.`);
  if (ctx.publicKey && !verifyEnvelope(ctx.site, target, env, ctx.publicKey)) {
    refuse('DOWNLINK_BAD_SIGNATURE', `The signature of ${env.kind} version ${env.version} does not match HQ's public key; it was changed on the way or signed with another key.`);
  }
}

type Record0 = Omit<Parameters<typeof recordDownlinkApplied>[1], 'payload'>;

function applyRules(ctx: ApplyContext, env: DownlinkEnvelope, target: string, record: Record0): void {
  const what = `Rule set version ${env.version} from HQ`;
  const ruleSet = loadRulesContent(env.payload, what);
  const previous = ctx.rules.active();
  // The registry runs the golden cases and swaps only when all pass; a refusal leaves the active set in place.
  const act = ctx.rules.activate(ruleSet, { source: 'downlink', by: 'hq-downlink', reason: `downlink ${target} version ${env.version}` });
  if (!act.ok) refuseActivation(act, ruleSet, `downlink version ${env.version}`);
  try {
    ctx.sdb.db.transaction(() => {
      recordDownlinkApplied(ctx.sdb, { ...record, payload: JSON.stringify(env.payload) });
      logDownlink(ctx.sdb, { at: record.appliedAt, kind: 'rules', target, version: env.version, status: 'applied', code: null, reason: `${ruleSet.id} ${ruleSet.version}` });
    }).immediate();
  } catch (e) {
    // Not stored means a restart would bring the old set back: better to go back now than to differ later.
    ctx.rules.activate(previous, { source: 'downlink', by: 'hq-downlink', reason: 'the downlink could not be stored' });
    throw e;
  }
}

function applyCatalog(ctx: ApplyContext, env: DownlinkEnvelope, target: string, record: Record0): Product[] {
  return ctx.sdb.db.transaction(() => {
    // The same checks as HQ's dry run (content.ts): the product schema, then the `import catalog` upsert.
    const { report, products } = importCatalogContent(ctx.sdb.db, env.payload, `Catalog version ${env.version} from HQ`, { source: `hq:${target}:v${env.version}`, now: record.appliedAt });
    recordDownlinkApplied(ctx.sdb, { ...record, payload: null });
    logDownlink(ctx.sdb, { at: record.appliedAt, kind: 'catalog', target, version: env.version, status: 'applied', code: null, reason: `${report.inserted} new, ${report.updated} updated, ${report.unchanged} unchanged` });
    return products;
    // IMMEDIATE: it reads (row hashes) before it writes; a deferred one fails at once in WAL when another connection
    // writes in between (BUG-52).
  }).immediate();
}

function applyReturns(ctx: ApplyContext, env: DownlinkEnvelope, target: string, record: Record0): void {
  const what = `Expected returns version ${env.version} from HQ`;
  // Checked before the transaction opens, as before: a payload that is no returns file never touches the database.
  returnsSource(env.payload, what);
  ctx.sdb.db.transaction(() => {
    // The same import as `returns-station import returns`, reasons checked against the active rules; any bad row
    // refuses the whole push (thrown inside the transaction, so the good rows roll back with it).
    const report = importReturnsContent(ctx.sdb.db, env.payload, what, { source: `hq:${target}:v${env.version}`, now: record.appliedAt, checkFacts: (f) => ctx.rules.active().checkFacts(f) });
    recordDownlinkApplied(ctx.sdb, { ...record, payload: null });
    logDownlink(ctx.sdb, { at: record.appliedAt, kind: 'returns', target, version: env.version, status: 'applied', code: null, reason: `${report.inserted} new, ${report.updated} updated, ${report.unchanged} unchanged` });
  }).immediate();
}
