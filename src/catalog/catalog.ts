import { readFileSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import { StationError } from '../core/errors.js';

const productSchema = z
  .object({
    gtin: z.string().regex(/^\d{14}$/, 'a GTIN-14: exactly 14 digits'),
    name: z.string().min(1),
    category: z.string().min(1),
    brand: z.string().optional(),
    price: z.number().nonnegative(),
    currency: z.string().length(3).default('EUR'),
    vendor: z.string().optional(),
    rtvAllowed: z.boolean().default(false),
    serialTracked: z.boolean().default(false),
    lotTracked: z.boolean().default(false),
    hazmat: z.boolean().default(false),
    hygiene: z.boolean().default(false),
    sku: z.string().optional(),
    /** Packaging hierarchy: this GTIN is a pack of `unitsPerPack` units of `baseGtin` (quantities count base units). */
    baseGtin: z.string().regex(/^\d{14}$/, 'a GTIN-14: exactly 14 digits').optional(),
    unitsPerPack: z.number().int().positive().optional(),
  })
  .strict();

export const productRowSchema = productSchema;

export type Product = z.infer<typeof productSchema>;

/** Products imported into the station database (`import catalog`, HQ downlink) override the file's. */
export function storedProducts(db: BetterSqlite3.Database): Product[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'wf_products'").get();
  if (!has) return [];
  return (db.prepare('SELECT json FROM wf_products').pluck().all() as string[]).map((j) => JSON.parse(j) as Product);
}

const fileSchema = z.object({ source: z.string().optional(), products: z.array(productSchema) });

/** GTIN → product. Lookups use the 14-digit form, so EAN-13 and UPC-A of the same item find the same row. */
export class Catalog {
  private readonly byGtin = new Map<string, Product>();

  constructor(products: Product[]) {
    for (const p of products) this.byGtin.set(p.gtin, p);
  }

  static fromFile(path: string): Catalog {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new StationError('CATALOG_UNREADABLE', `Cannot read the product catalog ${path}`, { cause: e });
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first ? first.path.join('.') : '';
      throw new StationError('CATALOG_INVALID', `The product catalog ${path} is invalid at ${where}: ${first?.message ?? 'unknown problem'}`);
    }
    return new Catalog(parsed.data.products);
  }

  /** Adds or replaces products (imports, downlink); lookups see them at once. */
  put(products: Iterable<Product>): void {
    for (const p of products) this.byGtin.set(p.gtin, p);
  }

  /** A pack GTIN → its base GTIN and how many base units it holds; a unit GTIN → itself × 1. */
  baseOf(gtin: string): { gtin: string; units: number } {
    const p = this.byGtin.get(gtin);
    return p?.baseGtin ? { gtin: p.baseGtin, units: p.unitsPerPack ?? 1 } : { gtin, units: 1 };
  }

  get(gtin: string | undefined): Product | undefined {
    return gtin === undefined ? undefined : this.byGtin.get(gtin);
  }

  get size(): number {
    return this.byGtin.size;
  }
}
