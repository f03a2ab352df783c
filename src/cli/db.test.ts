import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StationApp } from '../app/station-app.js';
import { parseConfig } from '../config/load.js';
import { isStationError } from '../core/errors.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sync/index.js';
import { dbBackup, dbRestore } from './db.js';

describe('db restore', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('refuses to swap the database under a running station (its new scans would land in the moved-aside file), and restores once it has stopped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rs-db-cli-'));
    const broker: EmbeddedBroker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => broker.close());
    const app = new StationApp({ config: parseConfig({ dataDir, http: { port: 0 }, readers: [] }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
    let running = true;
    cleanup.push(() => running && app.stop());
    const backup = await dbBackup({ dataDir });
    // One self-contained file per backup: no -wal/-shm/.partial files left beside it.
    expect(readdirSync(join(dataDir, 'backups')).filter((f) => !f.endsWith('.db'))).toEqual([]);
    let err: unknown;
    try {
      dbRestore(backup.path, { dataDir });
    } catch (e) {
      err = e;
    }
    expect(isStationError(err) && err.code).toBe('DB_IN_USE');
    // Nothing was moved aside while the station holds the file.
    expect(readdirSync(dataDir).filter((f) => f.includes('.corrupt-'))).toEqual([]);
    await app.stop();
    running = false;
    const r = dbRestore(backup.path, { dataDir });
    expect(r.restoredFrom).toBe(backup.path);
    expect(existsSync(join(dataDir, 'station.db'))).toBe(true);
  });
});
