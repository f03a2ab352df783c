/** Loads the public vector files from the project's own fixtures/ folder, so a fresh clone needs nothing beside it. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'vectors');

export interface Vector {
  id: string;
  category?: string;
  type?: string;
  scheme?: string;
  valid?: boolean;
  input: unknown;
  expected?: Record<string, unknown>;
  expectedCheckDigit?: string;
  source: string;
}

export function loadVectors(name: 'epc-tds' | 'gs1-element-strings' | 'check-digits'): Vector[] {
  const doc = JSON.parse(readFileSync(join(root, `${name}.json`), 'utf8')) as { vectors: Vector[] };
  return doc.vectors;
}
