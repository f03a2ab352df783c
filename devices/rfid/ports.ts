/** Serial ports with their USB identity, for `doctor` and for writing a reader's fingerprint into the config. */
import type { BindingInterface, PortInfo } from '@serialport/bindings-cpp';

export interface SerialPortEntry {
  path: string;
  manufacturer?: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  /** "vid:pid[:serial]", ready to paste into the reader config; absent for ports without USB identity. */
  fingerprint?: string;
  /** Known USB-serial bridges used by UHF readers. */
  likelyReader?: string;
}

// USB-serial bridges found inside common UHF readers (CH340, CP210x, FTDI, PL2303) and ThingMagic's own id.
const BRIDGES: Record<string, string> = {
  '1a86:7523': 'CH340 USB-serial (common in R2000 / Chafon readers)',
  '10c4:ea60': 'CP210x USB-serial',
  '0403:6001': 'FTDI FT232 USB-serial (ThingMagic / SparkFun)',
  '0403:6015': 'FTDI FT231X USB-serial',
  '067b:2303': 'PL2303 USB-serial',
  '1a86:55d4': 'CH9102 USB-serial',
};

export async function listSerialPorts(binding?: BindingInterface): Promise<SerialPortEntry[]> {
  const b = binding ?? ((await import('@serialport/bindings-cpp')).autoDetect() as unknown as BindingInterface);
  let ports: PortInfo[];
  try {
    ports = await b.list();
  } catch {
    return [];
  }
  return ports.map((p) => {
    const e: SerialPortEntry = { path: p.path };
    if (p.manufacturer) e.manufacturer = p.manufacturer;
    if (p.vendorId) e.vendorId = p.vendorId.toLowerCase();
    if (p.productId) e.productId = p.productId.toLowerCase();
    if (p.serialNumber) e.serialNumber = p.serialNumber;
    if (e.vendorId && e.productId) {
      e.fingerprint = `${e.vendorId}:${e.productId}${e.serialNumber ? `:${e.serialNumber}` : ''}`;
      const known = BRIDGES[`${e.vendorId}:${e.productId}`];
      if (known) e.likelyReader = known;
    }
    return e;
  });
}

/** Parse "vid:pid[:serial]" as printed by listSerialPorts. */
export function parseFingerprint(s: string): { vendorId: string; productId: string; serialNumber?: string } | null {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})(?::(.+))?$/.exec(s.trim());
  if (!m) return null;
  return { vendorId: m[1]!.toLowerCase(), productId: m[2]!.toLowerCase(), ...(m[3] ? { serialNumber: m[3] } : {}) };
}
