import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import type { ItemView, ScanResponse } from '../../src/server/api-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { freePort } from '../support/services.js';

/** SGTIN-96 of GTIN 00614141000371, serial 1000 (README's scenario example). */
const EPC_HEX = '3034257BF4000940000003E8';

/**
 * User test: an `epc:…` code sent through POST /api/scans (the station log's entry line, a script) was labelled
 * source "barcode" in the station log. An EPC names an RFID tag: it is labelled `rfid`, as a reader's read is, and
 * the EPCIS receiving event says so too. Barcodes stay `barcode`.
 */
describe('POST /api/scans: the item\'s source follows what identified it', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  let n = 0;
  const post = async (body: Record<string, unknown>): Promise<{ status: number; body: ScanResponse }> => {
    const res = await fetch(`${app.httpUrl}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'changed_mind', grade: 'sealed', idempotencyKey: `src-${++n}`, ...body }) });
    return { status: res.status, body: (await res.json()) as ScanResponse };
  };
  const item = (r: { status: number; body: ScanResponse }): ItemView => {
    expect(r.status).toBe(200);
    if (!r.body.ok) throw new Error(`refused: ${r.body.error.code}`);
    return r.body.item;
  };
  const receivedSource = (itemId: string): unknown => {
    const rows = app.sdb.prepare('SELECT payload FROM outbox WHERE item_id = ? ORDER BY seq').pluck().all(itemId) as string[];
    const receiving = rows.map((p) => JSON.parse(p) as Record<string, unknown>).find((e) => e.bizStep === 'receiving');
    return receiving?.['rs:source'];
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-scan-source-'));
    broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
    app = new StationApp({ config: parseConfig({ dataDir: dir, http: { port: 0 } }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`epc:<hex>` and an EPC URI are labelled rfid (in the answer, the station log and the EPCIS event), even when sent as "barcode"', async () => {
    for (const code of [`epc:${EPC_HEX}`, 'urn:epc:id:sgtin:0614141.000037.1001']) {
      const it1 = item(await post({ code, source: 'barcode' }));
      expect(it1, code).toMatchObject({ source: 'rfid', raw: code, gtin: '00614141000371' });
      expect(it1.epc).toMatch(/^urn:epc:id:sgtin:0614141\.000037\./);
      expect(receivedSource(it1.id), code).toBe('rfid');
      const logged = (await (await fetch(`${app.httpUrl}/api/items?limit=5`)).json()) as { items: ItemView[] };
      expect(logged.items.find((i) => i.id === it1.id)?.source).toBe('rfid');
    }
    // Without a source given (the API's default is barcode) it is the same.
    expect(item(await post({ code: `epc:${EPC_HEX.slice(0, -1)}9` })).source).toBe('rfid');
  });

  it('the same keyed EPC request again is a duplicate, not a conflict (the label is the station\'s, not the request\'s)', async () => {
    const body = { code: `epc:${EPC_HEX.slice(0, -2)}AA`, idempotencyKey: 'src-dup' };
    const first = item(await post(body));
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, duplicate: true, item: { id: first.id, source: 'rfid' } });
  });

  it('barcodes stay barcode, camera reads stay camera', async () => {
    expect(item(await post({ code: '00614141000371' })).source).toBe('barcode');
    expect(item(await post({ code: '00614141000371', source: 'camera' })).source).toBe('camera');
  });
});
