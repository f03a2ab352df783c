/**
 * `returns-station db backup|restore|check [--data-dir]`: the station database's backups by hand (BUG-54). The
 * running station takes scheduled backups itself (store upkeep) and restores the newest good one at start-up when
 * its file is damaged; these commands are for a supervisor or a script. docs/sync.md, Recovery.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { StationError } from '../core/errors.js';
import { backupStationDb, checkStationDb, inUseBy, listBackups, openStationDb, restoreStationDb } from '../store/index.js';
import { fail } from './station.js';

interface Opts {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

function dbPathOf(o: Opts): string {
  if (o.dataDir) return resolve(o.dataDir, 'station.db');
  return resolve(loadConfigFile(o.config).dataDir, 'station.db');
}

const backupDirOf = (dbPath: string): string => join(resolve(dbPath, '..'), 'backups');

function out(o: Opts, json: Record<string, unknown>, text: string): void {
  process.stdout.write(o.json ? JSON.stringify({ ok: true, ...json }) + '\n' : text + '\n');
}

/** `db backup`: an online backup (safe while the station runs), checked before it is kept. */
export async function dbBackup(o: Opts, now = Date.now()): Promise<{ path: string; bytes: number }> {
  const dbPath = dbPathOf(o);
  if (!existsSync(dbPath)) throw new StationError('DB_NOT_FOUND', `There is no station database at ${dbPath}.`, { hint: 'Check --data-dir.' });
  const sdb = openStationDb(dbPath);
  try {
    const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
    return await backupStationDb(sdb, join(backupDirOf(dbPath), `${basename(dbPath, '.db')}-${stamp}.db`));
  } finally {
    sdb.close();
  }
}

/**
 * `db restore <file>`: the station must be stopped. The current file and its -wal/-shm are moved aside as
 * `station.db.corrupt-<time>`, the backup is copied in and marked restored (the station then continues its sequence
 * above HQ's highest and asks HQ for the events recorded after the backup).
 */
export function dbRestore(file: string, o: Opts): { restoredFrom: string; movedAside: string[] } {
  const dbPath = dbPathOf(o);
  const backup = resolve(file);
  const holder = inUseBy(dbPath);
  if (holder) {
    throw new StationError('DB_IN_USE', `The station database ${dbPath} is in use by a running station (process ${holder.pid}, since ${holder.since}); nothing was restored.`, {
      hint: 'Stop the station (Ctrl+C, or stop its service) and run the restore again.',
    });
  }
  const r = restoreStationDb(backup, dbPath);
  return { restoredFrom: backup, movedAside: r.movedAside };
}

export function register(program: Command): void {
  const db = program.command('db').description('station database: backup, restore, check (docs/sync.md, Recovery)');
  db.command('backup')
    .description('take an online backup into <data-dir>/backups (safe while the station runs)')
    .option('--data-dir <dir>', 'station data folder (default: from --config, else ./data)')
    .option('--config <file>', 'station configuration (YAML)')
    .option('--json', 'one JSON line on stdout')
    .action(async (o: Opts) => {
      try {
        const r = await dbBackup(o);
        out(o, { backup: r.path, bytes: r.bytes }, `backup written: ${r.path} (${r.bytes} bytes)`);
      } catch (e) {
        fail(e, o.json);
      }
    });
  db.command('restore <file>')
    .description('replace the station database with a backup (stop the station first); the old file and its -wal/-shm are moved aside')
    .option('--data-dir <dir>', 'station data folder (default: from --config, else ./data)')
    .option('--config <file>', 'station configuration (YAML)')
    .option('--json', 'one JSON line on stdout')
    .action((file: string, o: Opts) => {
      try {
        const r = dbRestore(file, o);
        out(o, r, `restored ${r.restoredFrom}${r.movedAside.length ? `; moved aside: ${r.movedAside.join(', ')}` : ''}\nOn its next start the station waits for HQ's highest sequence before sending, and asks HQ for the events recorded after the backup.`);
      } catch (e) {
        fail(e, o.json);
      }
    });
  db.command('check')
    .description('PRAGMA quick_check of the station database and of its backups')
    .option('--data-dir <dir>', 'station data folder (default: from --config, else ./data)')
    .option('--config <file>', 'station configuration (YAML)')
    .option('--json', 'one JSON line on stdout')
    .action((o: Opts) => {
      try {
        const dbPath = dbPathOf(o);
        const result = checkStationDb(dbPath);
        const backups = listBackups(backupDirOf(dbPath));
        if (result !== 'ok') {
          throw new StationError('DB_CORRUPT', `The station database ${dbPath} is damaged (${result.slice(0, 200)}).`, {
            hint: `The station restores the newest good backup itself at its next start; or stop it and run: returns-station db restore <backup> (${backups.length} in ${backupDirOf(dbPath)}).`,
            details: { path: dbPath, quickCheck: result.slice(0, 1000), backups },
          });
        }
        out(o, { path: dbPath, quickCheck: 'ok', backups }, `${dbPath}: ok (${backups.length} backup${backups.length === 1 ? '' : 's'}${backups[0] ? `, newest ${backups[0]}` : ''})`);
      } catch (e) {
        fail(e, o.json);
      }
    });
}
