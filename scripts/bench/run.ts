/**
 * `npm run bench [-- <name>...]`: runs benchmarks under scripts/bench/<name>.bench.ts. Each exports
 * `run(): Promise<BenchResult>`; the result is printed and written to bench-results/<name>.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchResult {
  metrics: Record<string, unknown>;
  ratios: Record<string, number>;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : available;

for (const name of names) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n== bench ${name} ==`);
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { run: () => Promise<BenchResult> };
  const result = await mod.run();
  const out = { name, node: process.version, cpus: os.cpus().length, metrics: result.metrics, ratios: result.ratios };
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(join(root, 'bench-results', `${name}.json`), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 2));
}
