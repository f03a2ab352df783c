// An HQ ingest process (benchmarks, crash tests): prints {"ready":true} and then stats lines every 200 ms.
import { parseArgs } from 'node:util';
import { HqIngest } from '../../../src/hq/index.js';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' }, db: { type: 'string' }, pg: { type: 'string' }, schema: { type: 'string' }, worker: { type: 'string', default: 'bench' }, shared: { type: 'boolean', default: false },
    // A benchmark's HQ leaves no session behind on a shared broker: a dead persistent session keeps taking copies of
    // every later station's events (up to the broker's queue limit), which slows the broker for every run after it.
    'session-expiry': { type: 'string' },
  },
});
const hq = new HqIngest({
  url: a.url ?? '',
  ...(a.pg ? { postgresUrl: a.pg, ...(a.schema ? { postgresSchema: a.schema } : {}) } : { dbPath: a.db ?? 'hq.db' }),
  workerId: a.worker ?? 'bench',
  shared: a.shared ?? false,
  ...(a['session-expiry'] ? { mqtt: { sessionExpirySec: Number(a['session-expiry']) } } : {}),
});
await hq.start();
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
setInterval(() => process.stdout.write(JSON.stringify(hq.stats()) + '\n'), 200);
process.on('SIGTERM', () => {
  void hq.stop().then(() => process.exit(0));
});
