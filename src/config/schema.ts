import { z } from 'zod';

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
        url: z.string().url().optional(),
        protocolVersion: z.union([z.literal(4), z.literal(5)]).optional(),
        embeddedPort: z.number().int().min(0).max(65535).default(1884),
        keepaliveSec: z.number().int().min(1).max(300).default(30),
        inflight: z.number().int().min(1).max(1000).default(100),
      })
      .strict()
      .default({ embeddedPort: 1884, keepaliveSec: 30, inflight: 100 }),
    hq: z
      .object({
        embedded: z.boolean().default(true),
        dbPath: z.string().optional(),
      })
      .strict()
      .default({ embedded: true }),
    readers: z.array(readerSchema).default([{}].map((r) => readerSchema.parse(r))),
    rules: z.object({ file: z.string().optional() }).strict().default({}),
    catalog: z.object({ file: z.string().optional() }).strict().default({}),
    scanner: z
      .object({ layout: z.enum(['us', 'uk', 'fr', 'de']).default('us') })
      .strict()
      .default({ layout: 'us' }),
  })
  .strict();

export type StationConfig = z.infer<typeof configSchema>;
export type ReaderConfig = z.infer<typeof readerSchema>;
export type UserConfig = z.infer<typeof userSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
