import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts one of HQ's worker-thread modules (`name` without extension, next to this file), from the compiled `.js`
 * or, when running from TypeScript sources (dev, tests), from the `.ts` with tsx's loader registered first.
 */
export function startHqWorker(name: string, workerData: unknown): Worker {
  const fromTs = import.meta.url.endsWith('.ts');
  const url = new URL(`./${name}${fromTs ? '.ts' : '.js'}`, import.meta.url);
  if (!fromTs) return new Worker(url, { workerData });
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
