/**
 * Tag smoothing: turns hundreds of raw reads per second into presence per physical tag and zone. A tag arrives
 * in a zone on its first read there and leaves after `absenceMs` without reads; one physical tag is EPC + TID when
 * the reader reports TIDs (BUG-40: two tags may share an EPC). Without TIDs, the same EPC twice in one inventory
 * round can only be two tags: it is counted once and flagged for a manual count.
 */
import { EventEmitter } from 'node:events';
import type { TagReport } from './types.js';

export interface TagPresence {
  /** Identity of the physical tag: EPC, plus TID when known. */
  key: string;
  epc: string;
  tid?: string;
  zone: string;
  readerId: string;
  antenna: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  /** Strongest and latest signal, in dBm when the family converts it, else the raw byte. */
  bestRssi?: number;
  recentRssi?: number;
  /** Another physical tag carries the same EPC. */
  sharedEpc: boolean;
  /** No TIDs: the same EPC was seen twice in one round, so the count of items is unknown. */
  needsManualCount: boolean;
}

export interface DuplicateEpcWarning {
  epc: string;
  tids: string[];
  /** Physical tags known to carry this EPC (2 for "2 tags share one EPC"); without TIDs at least 2. */
  tagCount: number;
  needsManualCount: boolean;
  message: string;
}

export type ZoneMap = Record<string, string> | ((readerId: string, antenna: number) => string | undefined);

export interface TagSmootherOptions {
  /** Antenna → zone: keys "3" (any reader) or "reader-1:3"; unmapped antennas go to `defaultZone`. */
  zones?: ZoneMap;
  defaultZone?: string;
  /** A tag leaves a zone after this long without a read. */
  absenceMs?: number;
  /** How often the absence sweep runs when started. */
  sweepMs?: number;
  now?: () => number;
}

export interface CaseSummary {
  caseId: string;
  /** One entry per physical tag seen during the case, whatever its zone moves. */
  tags: Array<{ key: string; epc: string; tid?: string; zones: string[]; reads: number; needsManualCount: boolean }>;
  warnings: DuplicateEpcWarning[];
}

type SmootherEvents = {
  arrive: [TagPresence];
  leave: [TagPresence];
  'duplicate-epc': [DuplicateEpcWarning];
};

export class TagSmoother extends EventEmitter<SmootherEvents> {
  private readonly presence = new Map<string, TagPresence>();
  private readonly tidsByEpc = new Map<string, Set<string>>();
  /** readerId|epc → last round it was seen in, and whether it repeated within that round. */
  private readonly roundSeen = new Map<string, number>();
  private readonly flaggedEpcs = new Set<string>();
  private readonly warnings = new Map<string, DuplicateEpcWarning>();
  private timer: NodeJS.Timeout | null = null;
  private caseState: { id: string; tags: Map<string, CaseSummary['tags'][number]>; warnings: Set<string> } | null = null;
  readonly absenceMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: TagSmootherOptions = {}) {
    super();
    this.absenceMs = opts.absenceMs ?? 3000;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), this.opts.sweepMs ?? Math.max(50, Math.floor(this.absenceMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  zoneOf(readerId: string, antenna: number): string {
    const z = this.opts.zones;
    let zone: string | undefined;
    if (typeof z === 'function') zone = z(readerId, antenna);
    else if (z) zone = z[`${readerId}:${antenna}`] ?? z[String(antenna)];
    return zone ?? this.opts.defaultZone ?? `antenna-${antenna}`;
  }

  ingest(r: TagReport): void {
    const zone = this.zoneOf(r.readerId, r.antenna);
    const tid = r.tid;
    const key = tid === undefined ? r.epc : `${r.epc}/${tid}`;
    if (tid !== undefined) this.noteTid(r.epc, tid);
    else if (r.round !== undefined) this.noteRound(r);
    const pkey = `${key}@${zone}`;
    const rssi = r.rssiDbm ?? r.rssiRaw;
    let p = this.presence.get(pkey);
    if (p) {
      p.lastSeen = r.at;
      p.count++;
      p.antenna = r.antenna;
      if (rssi !== undefined) {
        p.recentRssi = rssi;
        if (p.bestRssi === undefined || rssi > p.bestRssi) p.bestRssi = rssi;
      }
      if (!p.sharedEpc && this.flaggedEpcs.has(r.epc)) p.sharedEpc = true;
    } else {
      p = {
        key,
        epc: r.epc,
        zone,
        readerId: r.readerId,
        antenna: r.antenna,
        firstSeen: r.at,
        lastSeen: r.at,
        count: 1,
        sharedEpc: this.flaggedEpcs.has(r.epc),
        needsManualCount: tid === undefined && this.flaggedEpcs.has(r.epc),
      };
      if (tid !== undefined) p.tid = tid;
      if (rssi !== undefined) {
        p.bestRssi = rssi;
        p.recentRssi = rssi;
      }
      this.presence.set(pkey, p);
      this.emit('arrive', { ...p });
    }
    this.noteCase(p);
  }

  private noteTid(epc: string, tid: string): void {
    let set = this.tidsByEpc.get(epc);
    if (!set) {
      set = new Set();
      this.tidsByEpc.set(epc, set);
    }
    if (set.has(tid)) return;
    set.add(tid);
    if (set.size >= 2) this.flag(epc, false);
  }

  private noteRound(r: TagReport): void {
    const k = `${r.readerId}|${r.epc}|${r.antenna}`;
    const last = this.roundSeen.get(k);
    this.roundSeen.set(k, r.round!);
    // A Gen2 inventory round singulates each tag once: a second read of one EPC in the same round is a second tag.
    if (last === r.round && !this.flaggedEpcs.has(r.epc)) this.flag(r.epc, true);
  }

  private flag(epc: string, manual: boolean): void {
    this.flaggedEpcs.add(epc);
    const tids = [...(this.tidsByEpc.get(epc) ?? [])];
    const tagCount = Math.max(2, tids.length);
    const w: DuplicateEpcWarning = {
      epc,
      tids,
      tagCount,
      needsManualCount: manual,
      message: manual
        ? `Several tags share EPC ${epc} and the reader gives no TID: count these items by hand.`
        : `${tagCount} tags share one EPC (${epc}); they are counted as separate items.`,
    };
    this.warnings.set(epc, w);
    for (const p of this.presence.values()) {
      if (p.epc !== epc) continue;
      p.sharedEpc = true;
      if (manual) p.needsManualCount = true;
    }
    if (this.caseState) {
      this.caseState.warnings.add(epc);
      for (const t of this.caseState.tags.values()) if (t.epc === epc && manual) t.needsManualCount = true;
    }
    this.emit('duplicate-epc', w);
  }

  private noteCase(p: TagPresence): void {
    const c = this.caseState;
    if (!c) return;
    let t = c.tags.get(p.key);
    if (!t) {
      t = { key: p.key, epc: p.epc, zones: [], reads: 0, needsManualCount: p.needsManualCount };
      if (p.tid !== undefined) t.tid = p.tid;
      c.tags.set(p.key, t);
      if (this.flaggedEpcs.has(p.epc)) c.warnings.add(p.epc);
    }
    t.reads++;
    if (!t.zones.includes(p.zone)) t.zones.push(p.zone);
    if (p.needsManualCount) t.needsManualCount = true;
  }

  /** Remove tags not read for `absenceMs`; emits `leave`. Runs on a timer after start(), or call it directly. */
  sweep(now = this.now()): void {
    for (const [k, p] of this.presence) {
      if (now - p.lastSeen >= this.absenceMs) {
        this.presence.delete(k);
        this.emit('leave', { ...p });
      }
    }
  }

  /** Tags present now, optionally in one zone. */
  present(zone?: string): TagPresence[] {
    const out: TagPresence[] = [];
    for (const p of this.presence.values()) if (zone === undefined || p.zone === zone) out.push({ ...p });
    return out;
  }

  /** Start counting a return case: from now on each physical tag counts once, however often it is read. */
  beginCase(caseId: string): void {
    this.caseState = { id: caseId, tags: new Map(), warnings: new Set() };
    // Tags already in the field belong to the new case too.
    for (const p of this.presence.values()) this.noteCase(p);
  }

  caseSummary(): CaseSummary | null {
    const c = this.caseState;
    if (!c) return null;
    return {
      caseId: c.id,
      tags: [...c.tags.values()].map((t) => ({ ...t, zones: [...t.zones] })),
      warnings: [...c.warnings].map((e) => this.warnings.get(e)).filter((w): w is DuplicateEpcWarning => w !== undefined),
    };
  }

  endCase(): CaseSummary | null {
    const s = this.caseSummary();
    this.caseState = null;
    return s;
  }

  /** Forget everything (e.g. between shifts). */
  clear(): void {
    this.presence.clear();
    this.tidsByEpc.clear();
    this.roundSeen.clear();
    this.flaggedEpcs.clear();
    this.warnings.clear();
  }

  /** Feed a session's reads into this smoother; returns the unsubscribe function. */
  attach(source: { on(e: 'tag', l: (t: TagReport) => void): unknown; off(e: 'tag', l: (t: TagReport) => void): unknown }): () => void {
    const l = (t: TagReport): void => this.ingest(t);
    source.on('tag', l);
    return () => {
      source.off('tag', l);
    };
  }
}
