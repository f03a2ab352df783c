// Station start-up cost: loads the store and publisher, opens the database, starts draining (broker not needed).
const t0 = performance.now();
const { openStationDb } = await import('../../../src/store/index.js');
const { OutboxPublisher } = await import('../../../src/sync/publisher.js');
const sdb = openStationDb(process.argv[2] ?? '');
const pub = new OutboxPublisher({ db: sdb, url: process.argv[3] ?? 'mqtt://127.0.0.1:1', site: 'dc-bench', station: process.argv[4] ?? 'st-ready' });
await pub.start();
const readyMs = performance.now() - t0;
process.stdout.write(JSON.stringify({ readyMs }) + '\n');
// Steady state: let it connect (if a broker is there), drain and idle, then report RSS.
await new Promise((r) => setTimeout(r, Number(process.argv[5] ?? 3000)));
global.gc?.();
process.stdout.write(JSON.stringify({ readyMs, rssMb: process.memoryUsage().rss / 1048576, status: pub.status().outbox }) + '\n');
await pub.stop();
sdb.close();
