import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Catalog } from './catalog.js';

const fixture = new URL('../../fixtures/catalog/products.json', import.meta.url).pathname;

/** GS1 mod-10, written out here independently of src/identity so the fixture is checked by a second hand. */
function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

describe('catalog', () => {
  it('loads the demo catalog: 30 products, every GTIN-14 with a valid check digit', () => {
    const cat = Catalog.fromFile(fixture);
    expect(cat.size).toBe(30);
    const raw = JSON.parse(readFileSync(fixture, 'utf8')) as { products: Array<{ gtin: string }> };
    for (const p of raw.products) expect(Number(p.gtin[13]), p.gtin).toBe(gs1CheckDigit(p.gtin.slice(0, 13)));
    expect(cat.get('00614141000371')?.category).toBe('apparel');
    expect(cat.get('00614141999999')).toBeUndefined();
  });
});
