import type { HqStore } from './types.js';

/** Loads `pg` only when PostgreSQL is asked for, so a SQLite-only HQ starts fast. */
export class LazyPg implements HqStore {
  readonly kind = 'postgres' as const;
  private inner: HqStore | undefined;
  constructor(
    private readonly url: string,
    private readonly schema?: string,
  ) {}
  private get s(): HqStore {
    if (!this.inner) throw new Error('PostgreSQL store used before init()');
    return this.inner;
  }
  async init(): Promise<void> {
    const { PgHqStore } = await import('./pg-store.js');
    this.inner = new PgHqStore(this.url, this.schema === undefined ? {} : { schema: this.schema });
    await this.inner.init();
  }
  storeBatch: HqStore['storeBatch'] = (e, s, n) => this.s.storeBatch(e, s, n);
  noteStatus: HqStore['noteStatus'] = (a, b, c, d) => this.s.noteStatus(a, b, c, d);
  stations: HqStore['stations'] = () => this.s.stations();
  eventsPerHour: HqStore['eventsPerHour'] = (h, n) => this.s.eventsPerHour(h, n);
  countEvents: HqStore['countEvents'] = (a, b) => this.s.countEvents(a, b);
  eventsAfter: NonNullable<HqStore['eventsAfter']> = async (a, b, c, d) => {
    const s = this.s;
    if (!s.eventsAfter) throw new Error('this store cannot list events');
    return await s.eventsAfter(a, b, c, d);
  };
  putWorkloadMetrics: HqStore['putWorkloadMetrics'] = (m) => this.s.putWorkloadMetrics(m);
  workloadMetrics: HqStore['workloadMetrics'] = () => this.s.workloadMetrics();
  putDownlinkAck: HqStore['putDownlinkAck'] = (a) => this.s.putDownlinkAck(a);
  downlinkAcks: HqStore['downlinkAcks'] = () => this.s.downlinkAcks();
  close: HqStore['close'] = async () => {
    if (this.inner) await this.inner.close();
  };
}
