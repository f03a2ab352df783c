/**
 * `returns-station user add|list|remove --config station.yaml`: the people who may sign in from the LAN or elevate
 * on the kiosk. PINs and badge codes are read from the terminal (hidden) or from stdin, never from arguments (they
 * would land in shell history and `ps`), and only their scrypt hashes are written to the file.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import { parseConfig, resolvePaths } from '../config/load.js';
import { StationError } from '../core/errors.js';
import { badgeProblem, hashSecret, pinProblem, verifySecret } from '../server/auth/secrets.js';
import { registerOperator } from '../station/operators.js';
import { openStationDb } from '../store/index.js';
import { fail } from './station.js';

type Role = 'operator' | 'supervisor' | 'admin';
const ROLES: Role[] = ['operator', 'supervisor', 'admin'];

export interface NewUser {
  id: string;
  role: Role;
  name?: string | undefined;
  pin?: string | undefined;
  badge?: string | undefined;
}

function loadDoc(path: string): Document {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  // An empty file parses to a document without contents; start it as an empty (block-style) mapping.
  const doc: Document = text.trim() === '' ? new Document({}) : parseDocument(text);
  if (doc.errors.length > 0) throw new StationError('CONFIG_NOT_YAML', `${path} is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  return doc;
}

/** Writes through a temporary file so a crash mid-write never leaves half a config; new files are private (0600). */
function saveDoc(path: string, doc: Document): void {
  const text = doc.toString();
  parseConfig(doc.toJS(), path);
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o600;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

/** Adds (or replaces, with `replace`) a user in the YAML document, keeping the file's comments and other keys. */
/**
 * The station database a config file's station uses (`dataDir` next to the file). A badge added with `user add` is
 * registered there too, so it signs in on the operator screen (POST /api/workflow/sign-in, a badge scan) as well as on
 * /api/auth/login, with the same role; before, the two lists were separate and the operator screen said BADGE_UNKNOWN.
 */
export function stationDbOf(path: string, doc: Document): string {
  const cfg = resolvePaths(parseConfig(doc.toJS(), path), dirname(resolve(path)));
  return join(cfg.dataDir, 'station.db');
}

function registerOnOperatorScreen(dbPath: string, u: NewUser & { badge: string }): void {
  const sdb = openStationDb(dbPath);
  try {
    // The workflow keeps PINs of 4 to 12 digits like the config (already checked above).
    registerOperator(sdb.db, { badge: u.badge, displayName: u.name ?? u.id, role: u.role, pin: u.pin });
  } finally {
    sdb.close();
  }
}

export async function addUser(path: string, u: NewUser, opts: { replace?: boolean; cost?: { N: number; r: number; p: number }; stationDb?: string | false } = {}): Promise<{ stationDb?: string }> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(u.id)) throw new StationError('USER_BAD_ID', `"${u.id}" is not a usable user id: use letters, digits, ., - and _`);
  if (!ROLES.includes(u.role)) throw new StationError('USER_BAD_ROLE', `role must be one of ${ROLES.join(', ')}`);
  if (u.pin === undefined && u.badge === undefined) throw new StationError('USER_NO_SECRET', 'give the user a PIN (--pin) or a badge (--badge), or both');
  const pp = u.pin === undefined ? undefined : pinProblem(u.pin);
  if (pp) throw new StationError('USER_WEAK_PIN', `The PIN was not accepted: ${pp}.`);
  const bp = u.badge === undefined ? undefined : badgeProblem(u.badge);
  if (bp) throw new StationError('USER_BAD_BADGE', `The badge was not accepted: ${bp}.`);

  const doc = loadDoc(path);
  const entry: Record<string, string> = { id: u.id, role: u.role };
  if (u.name) entry.name = u.name;
  if (u.pin !== undefined) entry.pinHash = await hashSecret(u.pin, opts.cost);
  if (u.badge !== undefined) entry.badgeHash = await hashSecret(u.badge.trim(), opts.cost);

  const users = doc.getIn(['auth', 'users']);
  if (u.badge !== undefined && isSeq(users)) {
    // A badge signs in as the first user it matches, so a second user with the same badge could never sign in.
    for (const it of users.items) {
      if (!isMap(it) || it.get('id') === u.id) continue;
      const hash = it.get('badgeHash');
      if (typeof hash === 'string' && (await verifySecret(u.badge.trim(), hash))) {
        throw new StationError('USER_BADGE_TAKEN', `This badge already belongs to user "${String(it.get('id'))}"; scan a different badge, or remove that user first.`);
      }
    }
  }
  if (users === undefined) {
    doc.setIn(['auth', 'users'], doc.createNode([entry]));
  } else if (isSeq(users)) {
    const idx = users.items.findIndex((it) => isMap(it) && it.get('id') === u.id);
    if (idx >= 0 && !opts.replace) throw new StationError('USER_EXISTS', `There is already a user "${u.id}"; use --replace to change their PIN, badge or role.`);
    if (idx >= 0) users.items[idx] = doc.createNode(entry);
    else users.items.push(doc.createNode(entry));
  } else {
    throw new StationError('CONFIG_INVALID', `${path}: auth.users is not a list`);
  }
  // The operator screen first: a badge it refuses (BADGE_CONFLICT, BADGE_INVALID) leaves the config file unchanged.
  const stationDb = u.badge === undefined || opts.stationDb === false ? undefined : (opts.stationDb ?? stationDbOf(path, doc));
  if (stationDb !== undefined && u.badge !== undefined) registerOnOperatorScreen(stationDb, { ...u, badge: u.badge });
  saveDoc(path, doc);
  return stationDb === undefined ? {} : { stationDb };
}

export function removeUser(path: string, id: string): boolean {
  const doc = loadDoc(path);
  const users = doc.getIn(['auth', 'users']);
  if (!isSeq(users)) return false;
  const idx = users.items.findIndex((it) => isMap(it) && it.get('id') === id);
  if (idx < 0) return false;
  users.items.splice(idx, 1);
  saveDoc(path, doc);
  return true;
}

export function listUsers(path: string): Array<{ id: string; name?: string; role: string; pin: boolean; badge: boolean }> {
  const cfg = parseConfig(loadDoc(path).toJS(), path);
  return cfg.auth.users.map((u) => ({ id: u.id, ...(u.name ? { name: u.name } : {}), role: u.role, pin: u.pinHash !== undefined, badge: u.badgeHash !== undefined }));
}

/** Lines from stdin when it is not a terminal (scripts, tests), else hidden prompts on the terminal. */
async function secretReader(): Promise<(prompt: string) => Promise<string>> {
  if (!process.stdin.isTTY) {
    const lines: string[] = [];
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) lines.push(line);
    return async () => lines.shift() ?? '';
  }
  return (prompt) => hiddenPrompt(prompt);
}

function hiddenPrompt(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(prompt);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export function register(program: Command): void {
  const user = program.command('user').description('people who may sign in (PIN or badge); stored as scrypt hashes in the config file');

  user
    .command('add')
    .description('add a user to the config file; the PIN and badge are asked for (or read from stdin, one per line)')
    .requiredOption('--config <file>', 'station configuration (YAML); created if missing')
    .requiredOption('--id <id>', 'user id (letters, digits, . - _)')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'supervisor')
    .option('--name <name>', 'display name')
    .option('--pin', 'set a PIN (4-12 digits)')
    .option('--badge', 'set a badge (scan it when asked)')
    .option('--replace', 'replace an existing user with this id')
    .action(async (o: { config: string; id: string; role: string; name?: string; pin?: boolean; badge?: boolean; replace?: boolean }) => {
      try {
        const read = await secretReader();
        const pin = o.pin ? await read('PIN: ') : undefined;
        if (o.pin && process.stdin.isTTY && (await read('PIN again: ')) !== pin) throw new StationError('USER_PIN_MISMATCH', 'The two PINs differ; nothing was changed.');
        const badge = o.badge ? await read('Scan the badge: ') : undefined;
        const r = await addUser(o.config, { id: o.id, role: o.role as Role, name: o.name, pin, badge }, { replace: o.replace === true });
        const screen = r.stationDb ? `; the badge signs in on the operator screen now (registered in ${r.stationDb})` : '';
        process.stderr.write(`user ${o.id} (${o.role}) saved in ${o.config}; restart the station to apply to the web sign-in${screen}\n`);
      } catch (e) {
        fail(e);
      }
    });

  user
    .command('list')
    .description('list users (never their hashes) as JSON')
    .requiredOption('--config <file>', 'station configuration (YAML)')
    .action((o: { config: string }) => {
      try {
        process.stdout.write(`${JSON.stringify(listUsers(o.config))}\n`);
      } catch (e) {
        fail(e);
      }
    });

  user
    .command('remove')
    .description('remove a user from the config file')
    .requiredOption('--config <file>', 'station configuration (YAML)')
    .requiredOption('--id <id>', 'user id')
    .action((o: { config: string; id: string }) => {
      try {
        if (!removeUser(o.config, o.id)) throw new StationError('USER_NOT_FOUND', `There is no user "${o.id}" in ${o.config}.`);
        process.stderr.write(`user ${o.id} removed from ${o.config}; restart the station to apply\n`);
      } catch (e) {
        fail(e);
      }
    });
}
