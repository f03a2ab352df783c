import { readFileSync } from 'node:fs';
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
  })
  .strict();

export type Product = z.infer<typeof productSchema>;

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

  get(gtin: string | undefined): Product | undefined {
    return gtin === undefined ? undefined : this.byGtin.get(gtin);
  }

  get size(): number {
    return this.byGtin.size;
  }
}
