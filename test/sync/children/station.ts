// A station process for crash tests: records returns until the outbox holds `--total` events (picking up where
// a killed predecessor stopped), drains them with the real publisher, prints JSON status lines on stdout.
import { parseArgs } from 'node:util';
import { openStationDb, outboxStats, recordItem } from '../../../src/store/index.js';
import { receivingEvent } from '../../../src/sync/epcis/index.js';
import { OutboxPublisher } from '../../../src/sync/publisher.js';

const { values: a } = parseArgs({
  options: {
    db: { type: 'string' }, url: { type: 'string' }, site: { type: 'string', default: 'dc-test' }, station: { type: 'string', default: 'st-crash' },
    total: { type: 'string', default: '0' }, batch: { type: 'string', default: '5' }, every: { type: 'string', default: '2' },
    'no-publish': { type: 'boolean', default: false }, confirmTimeout: { type: 'string', default: '3000' },
  },
});
const sdb = openStationDb(a.db ?? '');
const place = { site: a.site ?? 'dc-test', station: a.station ?? 'st', tzMinutesWest: 0 };
const total = Number(a.total);
const say = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');

const pub = a['no-publish']
  ? undefined
  : new OutboxPublisher({ db: sdb, url: a.url ?? '', site: place.site, station: place.station, mqtt: { backoff: { initialMs: 100, maxMs: 1000 }, keepalive: 5 }, confirmTimeoutMs: Number(a.confirmTimeout), gapGraceMs: 500 });
await pub?.start();

function recordSome(): void {
  const last = outboxStats(sdb).lastSeq;
  if (last >= total) return;
  const n = Math.min(Number(a.batch), total - last);
  for (let i = 0; i < n; i++) {
    const k = last + i + 1;
    const itemId = `${place.station}-item-${k}`;
    recordItem(sdb, { id: itemId, status: 'decided', source: 'rfid' }, [
      receivingEvent({ place, at: 1_760_000_000_000 + k, item: { itemId, epc: `urn:epc:id:sgtin:4012345.011111.${k}` }, rma: `RMA-${k}` }),
    ]);
  }
  pub?.kick();
}

const timer = setInterval(() => {
  recordSome();
  const s = outboxStats(sdb);
  if (s.lastSeq >= total) {
    say({ recorded: s.lastSeq, depth: s.depth });
    if (!pub) {
      clearInterval(timer);
      sdb.close();
    }
  }
}, Number(a.every));
say({ started: true, pid: process.pid, lastSeq: outboxStats(sdb).lastSeq });
