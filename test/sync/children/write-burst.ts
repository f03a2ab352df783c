// BUG-54 b: writes returns as fast as it can and prints each committed sequence; the test SIGKILLs it.
import { openStationDb, recordItem } from '../../../src/store/index.js';
import { receivingEvent } from '../../../src/sync/epcis/index.js';

const sdb = openStationDb(process.argv[2] ?? '');
const p = { site: 'dc-test', station: 'st-burst', tzMinutesWest: 0 };
for (let k = 0; ; k++) {
  const itemId = `burst-${process.pid}-${k}`;
  const r = recordItem(sdb, { id: itemId, status: 'decided' }, [receivingEvent({ place: p, at: Date.now(), item: { itemId, gtin: '4012345111118', serial: String(k) } })]);
  process.stdout.write(`${r.seqs[0]}\n`);
}
