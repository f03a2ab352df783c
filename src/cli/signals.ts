/**
 * Ctrl+C / SIGTERM from the first moment of a run. bin/returns-station.js holds a signal that arrives while the
 * TypeScript is still loading; a long-running command (`demo`, `station`) takes it over with `takeSignals`, every
 * other command gets Node's default behaviour back (`releaseSignals`: a held signal is raised again and ends the
 * process as it would have).
 */
import type { Command } from 'commander';

interface EarlySignals {
  /** Stops holding; returns the signal that arrived meanwhile, if any. */
  take(): NodeJS.Signals | undefined;
  /** Stops holding and raises a held signal again with Node's default action. */
  release(): void;
}

const KEY = Symbol.for('returns-station.early-signals');

function early(): EarlySignals | undefined {
  return (globalThis as Record<symbol, EarlySignals | undefined>)[KEY];
}

const takers = new WeakSet<Command>();

/** Marks a command whose action calls `takeSignals`: the signal held while loading is kept for it. */
export function keepsSignals(cmd: Command): Command {
  takers.add(cmd);
  return cmd;
}

export function isSignalTaker(cmd: Command): boolean {
  return takers.has(cmd);
}

/**
 * From now on `handler` gets every SIGINT/SIGTERM, starting with one that arrived before this call (while the program
 * was loading), which is handed over on the next tick.
 */
export function takeSignals(handler: (sig: NodeJS.Signals) => void): void {
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  const held = early()?.take();
  if (held !== undefined) setImmediate(() => handler(held));
}

/** The command does not handle signals itself: Node's default again (a signal held while loading ends the process). */
export function releaseSignals(): void {
  early()?.release();
}
