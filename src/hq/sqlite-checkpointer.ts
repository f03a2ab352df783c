// HQ's WAL checkpoints, on their own thread and connection. A checkpoint copies the WAL into the database file and
// syncs both; run by SQLite's automatic checkpoint, that happens inside whichever batch commit crosses the threshold,
// and every event queued behind that batch waits for the disk (measured: a 100,000-event drain 0.4–0.7 s slower).
// Here it overlaps with the writer's next batches instead (WAL mode lets one checkpointer run beside one writer).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export type CheckpointerRequest = { op: 'checkpoint' } | { op: 'close' };
export type CheckpointerReply = { op: 'ready' } | { op: 'checkpointed'; log: number; checkpointed: number; busy: number } | { op: 'failed'; error: string };

const db = new Database((workerData as { path: string }).path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// This connection never writes pages of its own, so it must never run SQLite's automatic checkpoint either.
db.pragma('wal_autocheckpoint = 0');
parentPort?.postMessage({ op: 'ready' } satisfies CheckpointerReply);

parentPort?.on('message', (m: CheckpointerRequest) => {
  if (m.op === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  try {
    // PASSIVE: copies what no reader still needs and never waits for the writer, so ingest goes on meanwhile.
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    parentPort?.postMessage({ op: 'checkpointed', log: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0, busy: r?.busy ?? 0 } satisfies CheckpointerReply);
  } catch (e) {
    parentPort?.postMessage({ op: 'failed', error: e instanceof Error ? e.message : String(e) } satisfies CheckpointerReply);
  }
});
