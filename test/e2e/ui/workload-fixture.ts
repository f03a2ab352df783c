/**
 * A workload monitor for the browser tests: five weeks of generated history (afternoon peaks, several operators)
 * ending yesterday, plus live operators working now — one 115 minutes without a break (BREAK_DUE), so the
 * operator nudge and the supervisor alert have something true to show.
 */
import Database from 'better-sqlite3';
import { ensureWorkloadSchema, generateToDb, WorkloadMonitor } from '../../../src/workload/index.js';

const DAY = 86_400_000;

export function workloadFixture(station: string): { monitor: WorkloadMonitor; addLiveOperator: (pseudonym: string, minutes: number, now?: number) => void; close: () => void } {
  const db = new Database(':memory:');
  ensureWorkloadSchema(db);
  const start = new Date(Math.floor(Date.now() / DAY) * DAY - 35 * DAY).toISOString().slice(0, 10);
  generateToDb(db, { days: 35, operators: 8, seed: 11, start, station });
  const monitor = new WorkloadMonitor(db, { station });
  monitor.start();
  const addLiveOperator = (pseudonym: string, minutes: number, now = Date.now()): void => {
    const from = now - minutes * 60_000;
    monitor.record({ at: from, station, operator: pseudonym, kind: 'sign_in' });
    for (let t = from + 3 * 60_000, i = 0; t < now; t += 3 * 60_000, i++) {
      monitor.record({ at: t - 30_000, station, operator: pseudonym, kind: 'scan', itemId: `${pseudonym}-${i}`, intake: 'barcode' });
      monitor.record({ at: t, station, operator: pseudonym, kind: 'item_done', itemId: `${pseudonym}-${i}`, intake: 'barcode' });
    }
  };
  return { monitor, addLiveOperator, close: () => db.close() };
}
