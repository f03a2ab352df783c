/** `doctor` / `rfid ports`: serial ports with their USB fingerprints, as the OS lists them. */
import type { BindingInterface, PortInfo } from '@serialport/bindings-cpp';
import { describe, expect, it } from 'vitest';
import { listSerialPorts, parseFingerprint } from '../../devices/rfid/ports.js';
import { matchesFingerprint } from '../../devices/rfid/index.js';

const port = (path: string, extra: Partial<PortInfo> = {}): PortInfo => ({
  path,
  manufacturer: undefined,
  serialNumber: undefined,
  pnpId: undefined,
  locationId: undefined,
  vendorId: undefined,
  productId: undefined,
  ...extra,
});

// Only list() is used by listSerialPorts; the rest of the binding is never touched.
const listing = (ports: PortInfo[]): BindingInterface => ({ list: () => Promise.resolve(ports) }) as unknown as BindingInterface;

describe('serial ports with USB fingerprints', () => {
  it('lists vid:pid[:serial] and names the CH340 bridge readers use; fingerprints round-trip into the config form', async () => {
    const ports = await listSerialPorts(
      listing([
        port('/dev/ttyUSB0', { vendorId: '1A86', productId: '7523', manufacturer: 'QinHeng' }),
        port('/dev/ttyUSB1', { vendorId: '0403', productId: '6001', serialNumber: 'A9K3' }),
        port('/dev/ttyS0'),
      ]),
    );
    expect(ports).toEqual([
      { path: '/dev/ttyUSB0', manufacturer: 'QinHeng', vendorId: '1a86', productId: '7523', fingerprint: '1a86:7523', likelyReader: expect.stringContaining('CH340') as string },
      { path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001', serialNumber: 'A9K3', fingerprint: '0403:6001:A9K3', likelyReader: expect.stringContaining('FTDI') as string },
      { path: '/dev/ttyS0' },
    ]);
    const fp = parseFingerprint(ports[1]!.fingerprint!)!;
    expect(fp).toEqual({ vendorId: '0403', productId: '6001', serialNumber: 'A9K3' });
    // Found again by identity whatever path the OS gives it after a replug.
    expect(matchesFingerprint(port('/dev/ttyUSB7', { vendorId: '0403', productId: '6001', serialNumber: 'A9K3' }), fp)).toBe(true);
    expect(matchesFingerprint(port('/dev/ttyUSB1', { vendorId: '0403', productId: '6001', serialNumber: 'B000' }), fp)).toBe(false);
    expect(parseFingerprint('/dev/ttyUSB0')).toBeNull();
  });

  it('a failing port list is an empty list, not a crash of doctor', async () => {
    const broken = { list: () => Promise.reject(new Error('EACCES')) } as unknown as BindingInterface;
    expect(await listSerialPorts(broken)).toEqual([]);
  });
});
