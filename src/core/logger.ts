import { pino, type Logger } from 'pino';

/**
 * One logger for the process; modules ask for a namespaced child. Logs go to stderr so that
 * commands with `--json` keep stdout clean for machines.
 */
const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
const root: Logger = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));

const children = new Map<string, Logger>();

export function createLogger(namespace: string): Logger {
  let child = children.get(namespace);
  if (!child) {
    child = root.child({ ns: namespace });
    children.set(namespace, child);
  }
  return child;
}

export function setLogLevel(next: string): void {
  root.level = next;
  for (const child of children.values()) child.level = next;
}

export type { Logger };
