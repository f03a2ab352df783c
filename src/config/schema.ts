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
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
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
