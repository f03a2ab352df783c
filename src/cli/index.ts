import type { Command } from 'commander';

type Registrar = (program: Command) => void;
type Loader = () => Promise<{ register: Registrar }>;

/** One line per area; each module exports `register(program)`. */
const modules: Loader[] = [
  // areas append their line here
  () => import('./workload.js'),
  () => import('./station.js'),
  () => import('./rules.js'),
  () => import('./identity.js'),
  () => import('./scan.js'),
  () => import('./rfid.js'),
  () => import('./doctor.js'),
  () => import('./hq.js'),
  () => import('./user.js'),
  () => import('./import.js'),
  () => import('./db.js'),
];

/**
 * Top-level command → the module defining it, so running one command loads only its area (the camera decoder's
 * wasm or the HQ's PostgreSQL client stay unloaded for `identify`). Unknown names and `--help` load everything.
 */
const routes: Record<string, Loader> = {
  demo: () => import('./station.js'),
  station: () => import('./station.js'),
  identify: () => import('./identity.js'),
  epc: () => import('./identity.js'),
  rules: () => import('./rules.js'),
  rfid: () => import('./rfid.js'),
  'emulate-reader': () => import('./rfid.js'),
  'decode-image': () => import('./scan.js'),
  workload: () => import('./workload.js'),
  import: () => import('./import.js'),
  doctor: () => import('./doctor.js'),
  user: () => import('./user.js'),
  hq: () => import('./hq.js'),
  db: () => import('./db.js'),
};

export async function registerAll(program: Command, argv: string[] = process.argv): Promise<void> {
  const first = argv[2];
  const route = first !== undefined ? routes[first] : undefined;
  if (route) {
    (await route()).register(program);
    return;
  }
  for (const load of modules) (await load()).register(program);
}
