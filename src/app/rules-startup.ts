/**
 * Which rule set a station starts with, and the store side of "activation is recorded" (issue 6).
 *
 * Every activation attempt, from the config file, a supervisor (POST /api/supervisor/rules/activate) or HQ's downlink,
 * goes through one RuleRegistry whose `onRecord` writes it to `rule_activations`. That table is the one source of
 * truth for what is active: at start-up the last accepted set comes back, whichever way it came, unless the config
 * file deliberately replaces it (rules below, and docs/rules.md "Activation record and restarts").
 */
import { isBusyError, StorageBusyError } from '../core/busy.js';
import { StationError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import {
  compareRuleSetVersions, loadRuleSet, loadRuleSetFile, RuleRegistry,
  type ActivateResult, type ActivationDetail, type ActivationRecord, type ActivationSource, type CompiledRuleSet, type RuleSetRef,
} from '../rules/index.js';
import {
  appliedDownlink, lastAcceptedActivation, lastActivationFrom, recordRuleActivation, ruleActivations,
  type StationDb, type StoredActivation,
} from '../store/index.js';

const log = createLogger('station.rules');

/** What the supervisor rules route shows per attempt: the registry's record plus its row id in the store. */
export type ActivationView = ActivationRecord & { id: number; hasText: boolean };

export interface RulesStartup {
  registry: RuleRegistry;
  /** where the active set came from at this start, and why (also logged) */
  chosen: { ruleSet: RuleSetRef; from: 'config' | 'stored'; why: string };
  /** the persisted history, newest first (the `rules.history` service) */
  history: (limit?: number) => ActivationView[];
}

/** A record without a source (older callers) is attributed by who asked for it. */
function sourceOf(r: ActivationRecord): ActivationSource {
  if (r.source) return r.source;
  if (r.by === 'hq-downlink') return 'downlink';
  if (r.by === 'startup') return 'config';
  return 'supervisor';
}

export function toActivationView(a: StoredActivation): ActivationView {
  const v: ActivationView = {
    id: a.id,
    at: a.at,
    ruleSet: { id: a.ruleSetId, version: a.version, hash: a.hash },
    previous: a.previous,
    accepted: a.accepted,
    source: a.source,
    goldenPassed: a.goldenPassed,
    goldenFailed: a.goldenFailed,
    errors: a.errors,
    hasText: a.hasText,
  };
  if (a.by !== null) v.by = a.by;
  if (a.reason !== null) v.reason = a.reason;
  return v;
}

/** The registry's `onRecord`: an accepted set the store cannot keep is not activated (it would be lost on restart). */
export function persistActivation(sdb: StationDb): (r: ActivationRecord, d: ActivationDetail) => void {
  return (r, d) => {
    try {
      recordRuleActivation(sdb, {
        at: r.at,
        ruleSetId: r.ruleSet.id,
        version: r.ruleSet.version,
        hash: r.ruleSet.hash,
        source: sourceOf(r),
        by: r.by ?? null,
        reason: r.reason ?? null,
        accepted: r.accepted,
        previous: r.previous,
        goldenPassed: r.goldenPassed,
        goldenFailed: r.goldenFailed,
        errors: r.errors,
        text: d.text,
      });
    } catch (e) {
      if (!r.accepted) {
        // A refusal changes nothing; losing its record is a pity, not a reason to fail the caller.
        log.warn({ err: errorMessage(e), ruleSet: `${r.ruleSet.id}@${r.ruleSet.version}` }, 'refused rule set activation not recorded');
        return;
      }
      // Another program holds the database (BUG-52): not a disk problem; the caller may try again (the set stays).
      if (isBusyError(e)) throw e instanceof StationError ? e : new StorageBusyError(e);
      throw new StationError('RULES_ACTIVATION_NOT_STORED', `Rule set ${r.ruleSet.id} ${r.ruleSet.version} was not activated: the station could not record the activation (${errorMessage(e)}).`, {
        hint: 'Check the disk of the station (space, permissions), then activate it again.',
        cause: e,
      });
    }
  };
}

interface StoredCandidate {
  ref: RuleSetRef;
  source: ActivationSource;
  text: string;
}

/** The set to bring back: the last accepted activation, else (stores from before the activation log) HQ's last push. */
function storedCandidate(sdb: StationDb): StoredCandidate | null {
  const last = lastAcceptedActivation(sdb);
  if (last?.text) return { ref: { id: last.ruleSetId, version: last.version, hash: last.hash }, source: last.source, text: last.text };
  if (last) return null;
  const held = appliedDownlink(sdb, 'rules');
  if (!held?.payload) return null;
  const loaded = loadRuleSet(held.payload, 'json');
  if (!loaded.ok) return null;
  return { ref: { id: loaded.ruleSet.id, version: loaded.ruleSet.version, hash: loaded.ruleSet.hash }, source: 'downlink', text: held.payload };
}

const refOf = (rs: RuleSetRef): RuleSetRef => ({ id: rs.id, version: rs.version, hash: rs.hash });
const label = (r: RuleSetRef): string => `${r.id} ${r.version}`;

/**
 * Builds the station's registry with the right set active:
 * - nothing stored yet: the config file's set (recorded, source `config`);
 * - the stored set is the config file's set: that set, nothing new recorded;
 * - they differ: the config file wins only when it changed since the station last saw it and either the active set
 *   came from the file itself, or the file's version is higher than the active set's. Otherwise the stored set
 *   stays (a supervisor's or HQ's later choice is not undone by an unchanged or older file), and the skipped file is
 *   recorded once as refused with RULES_CONFIG_NOT_NEWER so the supervisor sees it;
 * - whichever is chosen must still pass its golden cases; a stored set that no longer does is recorded as refused
 *   and the config file's set is used instead. If no candidate passes, the station does not start.
 */
export function startRules(sdb: StationDb, configFile: string, opts: { now?: () => number } = {}): RulesStartup {
  const now = opts.now ?? Date.now;
  const persist = persistActivation(sdb);
  const history = (limit = 50): ActivationView[] => ruleActivations(sdb, Math.max(1, Math.min(limit, 1000))).map(toActivationView);

  const loaded = loadRuleSetFile(configFile);
  if (!loaded.ok) {
    const first = loaded.errors[0];
    throw new StationError('RULES_CONFIG_INVALID', `The configured rule set cannot be used: ${first ? `${first.code} ${first.message}` : 'unknown error'}`, {
      hint: `Fix ${configFile} (returns-station rules test ${configFile} names table, row and column).`,
      details: { file: configFile, errors: loaded.errors.slice(0, 10) },
    });
  }
  const config = loaded.ruleSet;
  const stored = storedCandidate(sdb);
  const previous = stored ? stored.ref : null;

  // A throwaway registry runs exactly the activation check (load, golden cases) without recording anything.
  const probe = (candidate: CompiledRuleSet | string, meta: { source: ActivationSource; by: string; reason: string }): ActivateResult =>
    new RuleRegistry(undefined, { now }).activate(candidate, meta);
  const record = (r: ActivateResult, text: string | null): void => persist({ ...r.record, previous }, { text: r.record.accepted ? text : null });
  const asConfig = (reason: string): ActivateResult => probe(config, { source: 'config', by: 'startup', reason });
  const configText = JSON.stringify(config.source);
  const failed = (r: ActivateResult): string => (r.ok ? '' : (r.errors[0]?.message ?? 'its golden cases failed'));

  const finish = (rs: CompiledRuleSet, from: 'config' | 'stored', why: string): RulesStartup => {
    log.info({ ruleSet: label(rs), hash: rs.hash.slice(0, 12), from }, why);
    const registry = new RuleRegistry(rs, { now, onRecord: persist, history: history(200).reverse() });
    return { registry, chosen: { ruleSet: refOf(rs), from, why }, history };
  };
  const refuseStart = (r: ActivateResult, what: string): never => {
    throw new StationError('RULES_GOLDEN_FAILED', `${what} failed its golden cases; refusing to start with it: ${failed(r)}`, {
      hint: 'Run returns-station rules test <file> to see which golden case fails, fix the rule set, then start again.',
    });
  };

  if (!stored) {
    const r = asConfig('configured rule set, first start');
    record(r, configText);
    if (!r.ok) return refuseStart(r, `The configured rule set ${label(config)}`);
    return finish(r.ruleSet, 'config', 'configured rule set activated (first start)');
  }

  if (stored.ref.hash === config.hash) {
    const r = asConfig('configured rule set');
    if (!r.ok) {
      record(r, null);
      return refuseStart(r, `The configured rule set ${label(config)}`);
    }
    return finish(r.ruleSet, 'config', 'configured rule set is the active one');
  }

  const lastConfig = lastActivationFrom(sdb, 'config');
  const configChanged = lastConfig === null || lastConfig.hash !== config.hash;
  const configWins = configChanged && (stored.source === 'config' || compareRuleSetVersions(config.version, stored.ref.version) > 0);

  if (configWins) {
    const why = stored.source === 'config' ? `the configured file changed (was ${label(stored.ref)})` : `the configured file's version is newer than ${label(stored.ref)} (from ${stored.source})`;
    const r = asConfig(why);
    record(r, configText);
    if (r.ok) return finish(r.ruleSet, 'config', `configured rule set activated: ${why}`);
    log.error({ ruleSet: label(config), err: failed(r) }, 'configured rule set refused at start-up; keeping the stored one');
  }

  const s = probe(stored.text, { source: stored.source, by: 'startup', reason: `restore ${label(stored.ref)} (from ${stored.source}) at start-up` });
  if (s.ok) {
    if (configChanged && !configWins) {
      // Recorded once (the next start sees this hash as the last config attempt): the file was read and not used.
      const c = asConfig('configured file at start-up');
      const message = `the configured file's version ${config.version} is not newer than the active ${stored.ref.version} (from ${stored.source}); raise its version to replace it`;
      persist({ ...c.record, previous, accepted: false, errors: [{ code: 'RULES_CONFIG_NOT_NEWER', message }, ...(c.ok ? [] : c.errors)] }, { text: null });
      log.warn({ config: label(config), active: label(stored.ref), source: stored.source }, 'configured rule set not used: not newer than the active one');
    }
    return finish(s.ruleSet, 'stored', `rule set from ${stored.source} restored`);
  }

  record(s, null);
  log.error({ ruleSet: label(stored.ref), err: failed(s) }, 'stored rule set no longer passes its golden cases');
  if (configWins) return refuseStart(s, `Neither the configured rule set nor the stored ${label(stored.ref)}`);
  const r = asConfig(`the stored ${label(stored.ref)} no longer passes its golden cases`);
  record(r, configText);
  if (!r.ok) return refuseStart(r, `The configured rule set ${label(config)}`);
  return finish(r.ruleSet, 'config', 'configured rule set activated: the stored one no longer passes its golden cases');
}
