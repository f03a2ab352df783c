/**
 * Marks a station database as held by a running station, so `db restore` can refuse to swap the file under it
 * (the running station would go on writing to the moved-aside file and its new scans would be missing from the
 * restored one). A marker left by a killed station names a process that no longer exists and is ignored.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const markerOf = (dbPath: string): string => `${dbPath}.in-use`;

export function markInUse(dbPath: string): void {
  writeFileSync(markerOf(dbPath), JSON.stringify({ pid: process.pid, since: new Date().toISOString() }) + '\n');
}

export function clearInUse(dbPath: string): void {
  try {
    const m = JSON.parse(readFileSync(markerOf(dbPath), 'utf8')) as { pid?: unknown };
    if (m.pid === process.pid) rmSync(markerOf(dbPath), { force: true });
  } catch {
    // No marker (or an unreadable one): nothing of ours to remove.
  }
}

/** The pid of a live station process holding `dbPath`, if any. */
export function inUseBy(dbPath: string): { pid: number; since: string } | undefined {
  let m: { pid?: unknown; since?: unknown };
  try {
    m = JSON.parse(readFileSync(markerOf(dbPath), 'utf8')) as { pid?: unknown; since?: unknown };
  } catch {
    return undefined;
  }
  if (typeof m.pid !== 'number' || !Number.isSafeInteger(m.pid) || m.pid <= 0) return undefined;
  try {
    process.kill(m.pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to another user, so it is alive.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return { pid: m.pid, since: typeof m.since === 'string' ? m.since : '' };
}
