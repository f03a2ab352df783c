import type { Command } from 'commander';

type Registrar = (program: Command) => void;

/** One line per area; each module exports `register(program)`. */
const modules: Array<() => Promise<{ register: Registrar }>> = [
  // areas append their line here
  () => import('./station.js'),
  () => import('./rules.js'),
  () => import('./identity.js'),
  () => import('./scan.js'),
  () => import('./rfid.js'),
];

export async function registerAll(program: Command): Promise<void> {
  for (const load of modules) (await load()).register(program);
}
