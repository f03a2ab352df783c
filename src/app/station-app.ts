import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { TagPresence } from '../../devices/rfid/index.js';
import { Catalog, storedProducts } from '../catalog/catalog.js';
import type { StationConfig } from '../config/schema.js';
import { TypedBus } from '../core/bus.js';
import { busyWaits, useAsyncBusyRetry, type BusyPolicy } from '../core/busy.js';
import { listenError } from '../core/listen-error.js';
import { createLogger } from '../core/logger.js';
import type { RuleRegistry } from '../rules/index.js';
import type { DeviceView, HealthReport, LiveMessage, ScanRequest, ScanResponse, SyncView } from '../server/api-types.js';
import type { StationContext } from '../server/context.js';
import { createHttpServer } from '../server/http.js';
import { routeModules } from '../server/routes/index.js';
import { loadWorkflowConfig, workflowConfig, type WorkflowConfig } from '../station/config.js';
import type { GradingAnswers } from '../station/facts.js';
import { pinLockWarnings } from '../station/operators.js';
import { Workflow } from '../station/workflow.js';
import { ensureWorkloadSchema, WorkloadMonitor } from '../workload/index.js';
import { acknowledgeRecovery, clearInUse, markInUse, openStationDbRecovering, outboxStats, recordRecoveryNotice, recoveryNotice, StoreUpkeep, type RecoveryInfo, type StationDb } from '../store/index.js';
import { StationResync } from '../sync/resync.js';
import { OutboxPublisher } from '../sync/publisher.js';
import { StationDownlink } from '../sync/downlink/index.js';
import { WorkloadMetricsPublisher, workloadMonitorConfig } from './workload-service.js';
import { IntakePipeline, workflowEvents, workflowStore } from './pipeline.js';
import { ensureWritableDir } from './data-dir.js';
import { LinkAlarm } from './link-alarm.js';
import { blockedEventViews, healthWarnings, startedEmptyUnacknowledged } from './station-notices.js';
import { startRules } from './rules-startup.js';
import { mqttSettings } from './mqtt-settings.js';
import type { ReadRateView } from './read-rate.js';
import { createReader, createSmoother, type RunningReader } from './readers.js';
import { startScanners, type RunningScanner } from './scanners.js';
import type { HidApi, HidScan } from '../../devices/scanner/hid.js';
import type { ScannerConfig } from '../config/schema.js';

const log = createLogger('station');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PACKAGE_ROOT = root;
export const DEFAULT_CATALOG = join(root, 'fixtures/catalog/products.json');
export const DEFAULT_RULES = join(root, 'fixtures/rules/default.yaml');
const UI_DIR = join(root, 'src/ui/dist');

export interface StationAppOptions {
  config: StationConfig;
  brokerUrl: string;
  /** What the operator would answer for an RFID-read item (the demo answers from its scenario). */
  answersForTag?: (epcHex: string) => GradingAnswers | undefined;
  serveHttp?: boolean;
  /** The demo's operator badges, shown as sign-in buttons (see UiSettings.demoBadges); never set on a real station. */
  demoBadges?: Array<{ badge: string; name: string }>;
  /** 4 (= 3.1.1) for the embedded aedes broker, which does not speak MQTT 5 */
  protocolVersion?: 4 | 5;
  /** Workflow settings (RMA required, grading flows …); default: `<dataDir>/workflow.yaml` when present, else built-in. */
  workflow?: WorkflowConfig | Record<string, unknown>;
  /** The HID binding for `scanners` (default node-hid); tests inject a fake that delivers recorded report bytes. */
  hidApi?: () => Promise<HidApi>;
  /** How long the HQ link must stay up before a duplicate-client-id alarm stands down (default 120 s, BUG-45). */
  duplicateClientIdClearMs?: number;
  /** BUG-52: how writes wait while another program holds the database (default: core/busy.ts DEFAULT_BUSY_POLICY). */
  storageBusy?: Partial<BusyPolicy>;
}

/** The composition root of one station: every component is built here and started/stopped in order. */
export class StationApp {
  readonly bus = new TypedBus<{ live: LiveMessage }>();
  sdb!: StationDb;
  pipeline!: IntakePipeline;
  readers: RunningReader[] = [];
  /** HID scanners opened by the station itself (issue 5); keyboard-mode scanners are read by the page. */
  scanners: RunningScanner[] = [];
  private hidScans = 0;
  publisher!: OutboxPublisher;
  /** BUG-45: the HQ-link alarm (duplicate client id) as /api/health and the screens show it */
  linkAlarm: LinkAlarm | undefined;
  /** HQ → station rule sets, catalog and expected returns, on the publisher's connection (issue 7) */
  downlink: StationDownlink | undefined;
  rules!: RuleRegistry;
  catalog!: Catalog;
  workflow!: Workflow;
  workload!: WorkloadMonitor;
  /** HQ's aggregated workload message, QoS 0 every workload.metricsIntervalSec (issue 10) */
  workloadMetrics: WorkloadMetricsPublisher | undefined;
  /** retention of confirmed outbox rows, idle WAL checkpoints, scheduled online backups (issue 7) */
  upkeep: StoreUpkeep | undefined;
  /** BUG-54: what start-up did with a damaged database (restored from a backup, or started fresh) */
  recovery: RecoveryInfo | undefined;
  /** BUG-54: after a restore, the events HQ holds above the backup come back as read-only history */
  resync: StationResync | undefined;
  /** Components added by areas (workflow, workload …), shared with route modules through the context. */
  readonly services = new Map<string, unknown>();
  http: FastifyInstance | undefined;
  httpUrl = '';
  private readonly started = Date.now();
  private smoother: ReturnType<typeof createSmoother> | undefined;
  private readonly offs: Array<() => void> = [];

  constructor(private readonly opts: StationAppOptions) {}

  get dbPath(): string {
    return resolve(this.opts.config.dataDir, 'station.db');
  }

  async start(): Promise<void> {
    const cfg = this.opts.config;
    ensureWritableDir(cfg.dataDir);
    // A damaged file is moved aside and the newest good backup restored (or a fresh db started): never a crash loop.
    const opened = openStationDbRecovering(this.dbPath);
    this.sdb = opened.sdb;
    this.recovery = opened.recovery;
    // Kept in the database itself, so the screens show it until a supervisor acknowledges it, restarts or not (BUG-54).
    if (opened.recovery) recordRecoveryNotice(this.sdb, opened.recovery);
    markInUse(this.dbPath);
    this.upkeep = new StoreUpkeep(this.sdb);
    this.upkeep.start();
    const catalog = Catalog.fromFile(cfg.catalog.file ?? DEFAULT_CATALOG);
    // Imported products (`import catalog`, HQ downlink) override the file's.
    catalog.put(storedProducts(this.sdb.db));
    // The last accepted activation (supervisor, HQ downlink or file) comes back unless the file replaces it (issue 6);
    // every later activation is recorded in the store through the registry's onRecord.
    const started = startRules(this.sdb, cfg.rules.file ?? DEFAULT_RULES);
    const rules = started.registry;
    this.rules = rules;
    this.catalog = catalog;
    this.services.set('rules.history', started.history);
    // BUG-47 / BUG-54 for the supervisor routes (src/server/routes/notices.ts).
    this.services.set('sync.blocked', () => blockedEventViews(this.sdb, outboxStats(this.sdb).lastConfirmedSeq));
    this.services.set('sync.maxEventBytes', () => this.publisher?.maxEventBytes);
    this.services.set('recovery.acknowledge', (by: string) => {
      const n = acknowledgeRecovery(this.sdb, by);
      this.bus.emit('live', { type: 'sync', sync: this.syncView() });
      return n;
    });
    const active = rules.active();
    this.pipeline = new IntakePipeline({ sdb: this.sdb, catalog, rules, place: { site: cfg.site, station: cfg.station }, bus: this.bus });
    this.startWorkflow(catalog, rules);
    // From here on the station serves people and MQTT: no write may hold the event loop for seconds while another
    // program holds the database (BUG-52). Start-up's own writes above may wait the full timeout: nothing to serve yet.
    useAsyncBusyRetry(this.sdb.db, this.opts.storageBusy);
    log.info({ db: this.dbPath, products: catalog.size, rules: `${active.id}@${active.version}`, rulesFrom: started.chosen.from }, 'station store and rules ready');

    this.publisher = new OutboxPublisher({
      db: this.sdb,
      url: this.opts.brokerUrl,
      site: cfg.site,
      station: cfg.station,
      mqtt: { ...mqttSettings(cfg, this.opts.brokerUrl), protocolVersion: this.opts.protocolVersion ?? cfg.mqtt.protocolVersion ?? 5 },
      inflight: cfg.mqtt.inflight,
      heartbeatMs: cfg.mqtt.heartbeatSec * 1000,
    });
    const pushSync = (): void => this.bus.emit('live', { type: 'sync', sync: this.syncView() });
    const onProgress = (): void => {
      pushSync();
      this.pushItemSync();
    };
    // Before pushSync's listener: a connection that just ended has settled the alarm when the screens are told.
    this.linkAlarm = new LinkAlarm(this.publisher, { ...(this.opts.duplicateClientIdClearMs !== undefined ? { clearAfterMs: this.opts.duplicateClientIdClearMs } : {}), onChange: pushSync });
    this.linkAlarm.start();
    this.publisher.on('status', pushSync);
    this.publisher.on('confirmed', onProgress);
    this.publisher.on('sent', onProgress);
    await this.publisher.start();
    // startRules already restored the last accepted set, HQ's included: the downlink must not restore its own copy over a
    // supervisor's later activation, so it only applies new pushes (through the same registry, hence the same record).
    this.downlink = new StationDownlink({ sdb: this.sdb, rules, catalog, site: cfg.site, station: cfg.station, link: this.publisher, publicKey: cfg.hq.publicKey, restoreRules: false });
    await this.downlink.start();
    this.resync = new StationResync({ sdb: this.sdb, link: this.publisher, site: cfg.site, station: cfg.station });
    await this.resync.start();
    this.workloadMetrics = new WorkloadMetricsPublisher({ site: cfg.site, station: cfg.station, intervalSec: cfg.workload.metricsIntervalSec, snapshot: () => this.workload.snapshot(), link: this.publisher });
    this.workloadMetrics.start();
    // New outbox rows are drained at once rather than at the next poll.
    this.offs.push(this.bus.on('live', (m) => (m.type === 'item' || m.type === 'wf-item' || m.type === 'wf-tote' || m.type === 'wf-handoff' || m.type === 'wf-exception') && this.publisher.kick()));

    if (this.opts.serveHttp !== false) {
      this.http = await createHttpServer(
        {
          health: () => this.health(),
          submitScan: async (req) => this.submitScan(req),
          recentItems: (n) => this.pipeline.recent(n),
          hello: () => ({
            type: 'hello',
            items: this.pipeline.recent(100),
            devices: [...this.readers.map((r) => r.view()), ...this.scanners.map((s) => s.view())],
            sync: this.syncView(),
            settings: { scannerLayout: cfg.scanner.layout, scanner: cfg.scanner, site: cfg.site, station: cfg.station, ...(this.opts.demoBadges ? { demoBadges: this.opts.demoBadges } : {}) },
          }),
          subscribe: (l) => this.bus.on('live', l),
        },
        { uiDir: existsSync(UI_DIR) ? UI_DIR : undefined, routes: await Promise.all(routeModules.map(async (load) => (await load()).default)), ctx: this.context() },
      );
      try {
        await this.http.listen({ host: cfg.http.host, port: cfg.http.port });
      } catch (e) {
        throw listenError(e, 'the web UI', cfg.http.host, cfg.http.port, 'Stop it, or give the web UI another port: --port <n> (0 = any free port) or http.port in station.yaml.');
      }
      const addr = this.http.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : cfg.http.port;
      this.httpUrl = `http://${cfg.http.host}:${port}`;
    }

    this.smoother = createSmoother(cfg.readers, (p) => this.onTagArrived(p));
    this.smoother.start();
    for (const rc of cfg.readers) {
      const reader = createReader(rc, (d: DeviceView) => this.bus.emit('live', { type: 'device', device: d }));
      this.offs.push(this.smoother.attach(reader.session));
      this.readers.push(reader);
      await reader.session.start();
    }
    this.scanners = await startScanners(cfg.scanners, {
      layout: cfg.scanner.layout,
      affixes: { prefix: cfg.scanner.prefix, suffix: cfg.scanner.suffix, gsReplacement: cfg.scanner.gsReplacement },
      ...(this.opts.hidApi ? { hidApi: this.opts.hidApi } : {}),
      onStatus: (d) => this.bus.emit('live', { type: 'device', device: d }),
      onScan: (sc, s) => this.onHidScan(sc, s),
    });
  }

  /**
   * A HID scan takes the path of a wedge scan on the scanner's screen (POST /api/workflow/scan): a badge signs in, an
   * RMA opens a case, a bin label confirms a bin. With nobody signed in there, an item goes to the plain intake, as
   * a scan on the station log page (POST /api/scans) and an RFID tag without an open case do.
   */
  private onHidScan(sc: ScannerConfig, s: HidScan): void {
    // One key per physical scan; the counter separates two scans within the same millisecond.
    const key = `hid:${sc.id}:${s.at}:${++this.hidScans}`;
    const plain = (): void => {
      this.pipeline.submit({ source: 'barcode', code: s.text, symbology: s.symbology, answers: {}, at: s.at, idempotencyKey: `${key}:intake` }).then(
        (res) => {
          if (!res.ok) log.warn({ scanner: sc.id, code: res.error.code }, 'scan refused');
        },
        (e: unknown) => log.error({ scanner: sc.id, err: e instanceof Error ? e.message : String(e) }, 'intake could not take the scan'),
      );
    };
    this.workflow.scanQueued({ code: s.text, idempotencyKey: key, screen: sc.screen, source: 'barcode', ...(s.symbology ? { symbology: s.symbology } : {}) }).then(
      (r) => {
        if (!r.ok && r.error.code === 'SIGN_IN_REQUIRED') plain();
        else if (!r.ok) log.info({ scanner: sc.id, code: r.error.code }, 'scan refused by the workflow');
      },
      (e: unknown) => log.error({ scanner: sc.id, err: e instanceof Error ? e.message : String(e) }, 'workflow could not take the scan'),
    );
  }

  /** The returns workflow (issue 8) and the workload monitor it feeds; both shared with route modules via services. */
  private startWorkflow(catalog: Catalog, rules: RuleRegistry): void {
    const cfg = this.opts.config;
    ensureWorkloadSchema(this.sdb.db);
    this.workload = new WorkloadMonitor(this.sdb.db, workloadMonitorConfig(cfg.workload, cfg.station));
    this.workload.start();
    const wfPath = resolve(cfg.dataDir, 'workflow.yaml');
    const wfConfig = this.opts.workflow ? workflowConfig(this.opts.workflow) : existsSync(wfPath) ? loadWorkflowConfig(wfPath) : workflowConfig({});
    this.workflow = new Workflow({
      db: this.sdb.db,
      catalog,
      rules,
      config: wfConfig,
      station: cfg.station,
      events: workflowEvents({ site: cfg.site, station: cfg.station }),
      store: workflowStore(this.sdb),
      emit: (m) => this.bus.emit('live', m),
      work: (ev) => void this.workload.record(ev),
    });
    this.workflow.start();
    this.services.set('workflow', this.workflow);
    this.services.set('workload', this.workload);
    // The site's privacy choice (workload.perPerson, default off) decides what the supervisor workload API shows.
    this.services.set('workload.perPerson', cfg.workload.perPerson);
    // Read rates for the supervisor's devices screen (src/server/routes/supervisor.ts reads this service).
    this.services.set('readers.rates', (): Record<string, ReadRateView> => Object.fromEntries(this.readers.map((r) => [r.id, r.readRate()])));
  }

  context(): StationContext {
    return { config: this.opts.config, sdb: this.sdb, catalog: this.catalog, rules: this.rules, bus: this.bus, services: this.services };
  }

  private lastPushedSeq = 0;
  /** Tell the screens which items changed sync state since the last push (cheap: only the newly moved range). */
  private pushItemSync(): void {
    const stats = outboxStats(this.sdb);
    const upTo = Math.max(stats.lastConfirmedSeq, stats.lastSeq - stats.unsent);
    if (upTo <= this.lastPushedSeq) return;
    const rows = this.sdb.prepare('SELECT DISTINCT item_id FROM outbox WHERE seq > ? AND seq <= ? AND item_id IS NOT NULL').all(this.lastPushedSeq, upTo) as Array<{ item_id: string }>;
    this.lastPushedSeq = stats.lastConfirmedSeq;
    for (const r of rows) {
      const max = (this.sdb.prepare('SELECT MAX(seq) AS m FROM outbox WHERE item_id = ?').get(r.item_id) as { m: number }).m;
      this.bus.emit('live', { type: 'item-sync', id: r.item_id, sync: this.pipeline.syncStateOf(max) });
    }
  }

  private onTagArrived(p: TagPresence): void {
    if (p.zone !== 'intake') return;
    // A case open on the RFID screen takes the tag; otherwise the plain intake decides it as before.
    try {
      const given = this.opts.answersForTag?.(p.epc);
      const answers = Object.fromEntries(Object.entries(given ?? {}).filter(([k, v]) => k !== 'rma' && v !== undefined).map(([k, v]) => [k, String(v)]));
      // A read burst of many tags is group-committed: one transaction, one disk sync.
      const queued = this.workflow.addRfidQueued(p, answers);
      if (queued) {
        queued.then(
          (wf) => {
            if (!wf.ok) log.warn({ epc: p.epc, code: wf.error.code }, 'tag refused by the workflow');
          },
          (e: unknown) => log.error({ epc: p.epc, err: e instanceof Error ? e.message : String(e) }, 'workflow could not take the tag'),
        );
        return;
      }
    } catch (e) {
      log.error({ epc: p.epc, err: e instanceof Error ? e.message : String(e) }, 'workflow could not take the tag');
      return;
    }
    const answers = this.opts.answersForTag?.(p.epc) ?? {};
    // One item per tag presence: the key makes a re-arrival within the same presence harmless.
    this.pipeline.submit({ source: 'rfid', code: p.epc, answers, at: p.firstSeen, idempotencyKey: `rfid:${p.key}:${p.firstSeen}` }).then(
      (res) => {
        if (!res.ok) log.warn({ epc: p.epc, code: res.error.code }, res.error.code === 'STORAGE_BUSY' ? 'tag not stored: the station database is busy' : 'tag could not be identified');
      },
      (e: unknown) => log.error({ epc: p.epc, err: e instanceof Error ? e.message : String(e) }, 'intake could not take the tag'),
    );
  }

  async submitScan(req: ScanRequest): Promise<ScanResponse> {
    return await this.pipeline.submit({
      source: req.source ?? 'barcode',
      code: req.code,
      symbology: req.symbology,
      answers: { reason: req.reason, grade: req.grade, daysSinceDelivery: req.daysSinceDelivery, rma: req.rma },
      at: Date.now(),
      idempotencyKey: req.idempotencyKey,
    });
  }

  eventIdsOf(itemId: string): string[] {
    return (this.sdb.prepare('SELECT event_id FROM outbox WHERE item_id = ? ORDER BY seq').all(itemId) as Array<{ event_id: string }>).map((r) => r.event_id);
  }

  syncView(): SyncView {
    const s = outboxStats(this.sdb);
    const alarm = this.linkAlarm?.current();
    // Blocked events are counted apart: "to send" would say they still go out, and they never will (BUG-47).
    return { connected: this.publisher.status().state === 'online', outboxDepth: s.depth - s.blockedOversize, unsent: s.unsent, blocked: s.blockedOversize, ...(s.lastConfirmedAt ? { lastConfirmedAt: s.lastConfirmedAt } : {}), brokerUrl: this.opts.brokerUrl, ...(alarm ? { alarm } : {}) };
  }

  health(): HealthReport {
    const s = outboxStats(this.sdb);
    const items = (this.sdb.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
    const readers = this.readers.map((r) => r.view());
    const connected = this.publisher.status().state === 'online';
    const alarm = this.linkAlarm?.current();
    const busy = busyWaits(this.sdb.db);
    const notice = recoveryNotice(this.sdb);
    const maxEventBytes = this.publisher.maxEventBytes;
    // Badges locked after too many wrong PINs on the operator screen: a security event a supervisor should see.
    const warnings = [...healthWarnings(this.sdb, s, maxEventBytes, notice), ...(this.workflow ? pinLockWarnings(this.workflow.core) : [])];
    return {
      // A standing alarm needs a person even while connected: a clone's events and ours reach HQ in turns. So does a
      // database started empty in place of a damaged one (BUG-54): no operators, no expected returns, until a
      // supervisor acknowledges it. Blocked events and a restored backup are warnings: the rest goes on (BUG-47).
      ok: readers.every((r) => r.status === 'reading' || r.status === 'connected') && connected && !alarm && !startedEmptyUnacknowledged(notice),
      station: { site: this.opts.config.site, station: this.opts.config.station, version: '0.1.0', uptimeSec: Math.round((Date.now() - this.started) / 1000) },
      readers,
      // Shown, not counted in `ok`: a station with an unplugged scanner still takes RFID, wedge and camera scans.
      ...(this.scanners.length > 0 ? { scanners: this.scanners.map((sc) => sc.view()) } : {}),
      broker: { connected, url: this.opts.brokerUrl, ...(!connected && this.publisher.status().lastError ? { error: this.publisher.status().lastError } : {}), ...(alarm ? { alarm } : {}) },
      outbox: { depth: s.depth - s.blockedOversize, unsent: s.unsent, blockedOversize: s.blockedOversize, maxEventBytes, ...(s.lastConfirmedAt ? { lastConfirmedAt: s.lastConfirmedAt } : {}) },
      ...(warnings.length ? { warnings } : {}),
      database: {
        ok: true,
        path: this.dbPath,
        items,
        ...(this.recovery ? { recoveredFrom: this.recovery.recoveredFrom ?? null, recoveredAt: this.recovery.at, movedAside: this.recovery.movedAside } : {}),
        ...(this.publisher.holding ? { waitingForHq: true } : {}),
        ...(busy.waiting > 0 ? { busy } : {}),
        ...(this.resync ? { resync: this.resync.status() } : {}),
        ...(notice ? { recovery: notice } : {}),
      },
      ...(this.downlink ? { downlink: this.downlink.status() } : {}),
    };
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    // Scanners first: no scan may reach the workflow or the store once they are being closed.
    for (const sc of this.scanners.splice(0)) await sc.stop();
    for (const r of this.readers) await r.session.stop();
    this.readers = [];
    this.smoother?.stop();
    this.workflow?.stop();
    await this.http?.close();
    this.workloadMetrics?.stop();
    await this.resync?.stop();
    await this.downlink?.stop();
    this.linkAlarm?.stop();
    await this.publisher?.stop();
    await this.upkeep?.stop();
    this.sdb?.close();
    if (this.sdb) clearInUse(this.dbPath);
  }
}
