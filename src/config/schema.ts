import { z } from 'zod';
import { brokerUrlProblem } from './broker-url.js';
import { SCANNER_DEFAULTS, scannerSettingsSchema } from './scanner.js';
import { WORKLOAD_DEFAULTS, workloadSchema } from './workload.js';

/**
 * The station's configuration. Every key has a default so the demo runs with no file at all; a file only
 * names what differs. Version 1; a future version adds a migration next to this schema.
 */
const readerSchema = z
  .object({
    id: z.string().min(1).default('reader-1'),
    protocol: z.enum(['r2000', 'chafon', 'thingmagic', 'bb7e', 'ascii']).default('r2000'),
    transport: z.enum(['emulated', 'serial', 'tcp']).default('emulated'),
    path: z.string().optional(),
    baudRate: z.number().int().positive().default(115200),
    host: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    usb: z.object({ vendorId: z.string(), productId: z.string(), serialNumber: z.string().optional() }).strict().optional(),
    inventoryIntervalMs: z.number().int().min(20).max(60_000).default(200),
    zones: z.record(z.string(), z.string()).default({ '1': 'intake', '2': 'bin_wall', '3': 'handoff_gate' }),
  })
  .strict();

// Hex as lsusb and the scanner manuals print it. A bare YAML number is refused: 1234 would be read as decimal and
// silently match another device.
const usbId = z.string().regex(/^(0x)?[0-9a-fA-F]{4}$/, 'four hex digits in quotes, as lsusb shows them, e.g. "0c2e"');

/** A HID scanner the station opens itself (issue 5); a scanner that types like a keyboard needs no entry here. */
const scannerSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use letters, digits, ., - and _ only'),
    vendorId: usbId,
    productId: usbId,
    // Two identical scanners on one station are told apart by their serial number.
    serialNumber: z.string().min(1).optional(),
    kind: z.enum(['hid-pos', 'boot-keyboard']).default('hid-pos'),
    // Boot-keyboard reports are key codes: the layout the scanner is programmed for turns them into characters.
    layout: z.enum(['us', 'uk', 'fr', 'de']).optional(),
    outputReportId: z.number().int().min(0).max(255).optional(),
    // Only needed where the report descriptor cannot be read (not Linux); see docs/scanners.md.
    reportIds: z.boolean().optional(),
    // The operator screen its scans go to, as a wedge scan on that screen would.
    screen: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, . _ - only').default('main'),
  })
  .strict();

const userSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use letters, digits, ., - and _ only'),
    name: z.string().max(100).optional(),
    role: z.enum(['operator', 'supervisor', 'admin']),
    // scrypt hashes written by `returns-station user add`; the PIN or badge itself is never stored.
    pinHash: z.string().startsWith('scrypt$').optional(),
    badgeHash: z.string().startsWith('scrypt$').optional(),
  })
  .strict()
  .refine((u) => u.pinHash !== undefined || u.badgeHash !== undefined, 'a user needs a pinHash or a badgeHash (use `returns-station user add`)');

const authSchema = z
  .object({
    users: z.array(userSchema).default([]).refine((us) => new Set(us.map((u) => u.id)).size === us.length, 'two users share an id'),
    sessionIdleMinutes: z.number().int().min(1).max(1440).default(30),
    sessionMaxHours: z.number().int().min(1).max(24).default(12),
    // The role of a request from this machine (the kiosk) without a login; with no users configured it is admin.
    loopbackRole: z.enum(['operator', 'supervisor', 'admin']).default('operator'),
    maxLoginFailures: z.number().int().min(1).max(100).default(5),
  })
  .strict();

export const configSchema = z
  .object({
    version: z.literal(1).default(1),
    site: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, - and _ only (it becomes part of MQTT topics)').default('demo-site'),
    station: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, - and _ only (it becomes part of MQTT topics)').default('station-1'),
    dataDir: z.string().default('./data'),
    http: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        // A bind beyond loopback is refused unless one of these two is set (see docs/kiosk.md, "Opening to the LAN").
        tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
        behindProxy: z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).optional(),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    auth: authSchema.default({ users: [], sessionIdleMinutes: 30, sessionMaxHours: 12, loopbackRole: 'operator', maxLoginFailures: 5 }),
    mqtt: z
      .object({
        // Only what the station can really connect to: see broker-url.ts for what MQTT.js would make of the rest.
        url: z
          .string()
          .superRefine((v, ctx) => {
            const problem = brokerUrlProblem(v);
            if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
          })
          .optional(),
        protocolVersion: z.union([z.literal(4), z.literal(5)]).optional(),
        embeddedPort: z.number().int().min(0).max(65535).default(1884),
        keepaliveSec: z.number().int().min(1).max(300).default(30),
        inflight: z.number().int().min(1).max(1000).default(100),
        // QoS 0 outbox heartbeat on …/metrics (depth, unsent, blocked, last receipt); 0 = off.
        heartbeatSec: z.number().int().min(0).max(3600).default(60),
        // Broker login and TLS (issue 7). The paths are files next to the config file; the password is better kept
        // in `passwordFile` (readable by the station only) than in the YAML itself.
        username: z.string().min(1, 'is empty').optional(),
        password: z.string().min(1, 'is empty').optional(),
        passwordFile: z.string().min(1, 'is empty').optional(),
        ca: z.string().min(1, 'is empty').optional(),
        cert: z.string().min(1, 'is empty').optional(),
        key: z.string().min(1, 'is empty').optional(),
        // Off only for a test broker with a self-made certificate: with it off, anyone on the path can read the events.
        rejectUnauthorized: z.boolean().default(true),
      })
      .strict()
      .superRefine((m, ctx) => {
        if (m.password !== undefined && m.passwordFile !== undefined) ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'give either mqtt.password or mqtt.passwordFile, not both' });
        if ((m.password !== undefined || m.passwordFile !== undefined) && m.username === undefined) ctx.addIssue({ code: 'custom', path: ['username'], message: 'a password needs mqtt.username too' });
        if ((m.cert === undefined) !== (m.key === undefined)) ctx.addIssue({ code: 'custom', path: [m.cert === undefined ? 'cert' : 'key'], message: 'mqtt.cert and mqtt.key (the client certificate and its private key) go together' });
      })
      .default({ embeddedPort: 1884, keepaliveSec: 30, inflight: 100, heartbeatSec: 60, rejectUnauthorized: true }),
    hq: z
      .object({
        embedded: z.boolean().default(true),
        dbPath: z.string().optional(),
        // HQ's Ed25519 public key (PEM text, or the path of the .pub.pem from `hq keygen`): downlinked rule sets must
        // carry HQ's signature; without a key they are refused (docs/sync.md, Downlink).
        publicKey: z.string().min(1, 'hq.publicKey: HQ\'s Ed25519 public key as PEM text or the path of a .pem file').optional(),
      })
      .strict()
      .default({ embedded: true }),
    readers: z.array(readerSchema).default([{}].map((r) => readerSchema.parse(r))),
    rules: z.object({ file: z.string().optional() }).strict().default({}),
    catalog: z.object({ file: z.string().optional() }).strict().default({}),
    // Keyboard-wedge decoding and camera label patterns, served to the page (src/config/scanner.ts, docs/scanners.md).
    scanner: scannerSettingsSchema.default(() => structuredClone(SCANNER_DEFAULTS)),
    scanners: z
      .array(scannerSchema)
      .default([])
      .refine((ss) => new Set(ss.map((s) => s.id)).size === ss.length, 'two scanners share an id'),
    // Workload thresholds, privacy and the HQ metrics interval (docs/workload.md, Configuration).
    workload: workloadSchema.default(WORKLOAD_DEFAULTS),
  })
  .strict();

export type StationConfig = z.infer<typeof configSchema>;
export type ReaderConfig = z.infer<typeof readerSchema>;
export type ScannerConfig = z.infer<typeof scannerSchema>;
export type UserConfig = z.infer<typeof userSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
