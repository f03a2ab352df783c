/**
 * The packaging files are configuration, but security-relevant configuration: these tests read them and assert the
 * settings that keep the kiosk unprivileged, sandboxed and restartable.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hasVersionedSegment } from './modules/autostart.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

interface BuilderConfig {
  electronVersion: string;
  extraMetadata: { main: string };
  files: Array<string | { from: string; to: string }>;
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  linux: { target: Array<{ target: string; arch: string[] }> };
  deb: { depends: string[]; afterInstall: string; afterRemove: string };
  extraResources: Array<{ from: string; to: string }>;
}

describe('electron-builder.yml', () => {
  const cfg = parse(read('electron-builder.yml')) as BuilderConfig;

  it('builds deb and AppImage for x64 and arm64', () => {
    const targets = Object.fromEntries(cfg.linux.target.map((t) => [t.target, [...t.arch].sort()]));
    expect(targets).toEqual({ deb: ['arm64', 'x64'], AppImage: ['arm64', 'x64'] });
  });

  it('keeps native modules out of the asar and rebuilds them for Electron', () => {
    expect(cfg.asar).toBe(true);
    expect(cfg.npmRebuild).toBe(true);
    for (const mod of ['better-sqlite3', '@serialport/bindings-cpp', 'node-hid']) expect(cfg.asarUnpack).toContain(`**/node_modules/${mod}/**`);
    expect(cfg.asarUnpack).toContain('**/*.node');
    expect(cfg.electronVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('flips the fuses of Electron\'s security checklist', () => {
    expect(cfg.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('ships the compiled shell, the preload and the maintenance page, but no tests or test fakes', () => {
    expect(cfg.extraMetadata.main).toBe('dist/electron/main.js');
    const globs = cfg.files.filter((f): f is string => typeof f === 'string');
    expect(globs).toEqual(expect.arrayContaining(['dist/electron/**/*.cjs', 'electron/maintenance.html', 'electron/maintenance.js', 'electron/maintenance.css', '!dist/**/*.test.js', '!dist/electron/testing/**']));
    const mapped = cfg.files.filter((f): f is { from: string; to: string } => typeof f !== 'string');
    expect(mapped).toContainEqual({ from: 'src/ui/dist', to: 'dist/src/ui/dist' });
    expect(cfg.extraResources.map((r) => r.from)).toEqual(expect.arrayContaining(['packaging/udev', 'packaging/systemd']));
  });

  it('the deb depends on cage and installs with the scripts below', () => {
    expect(cfg.deb.depends).toEqual(expect.arrayContaining(['cage', 'libgtk-3-0', 'libnss3']));
    expect(cfg.deb.afterInstall).toBe('packaging/deb/after-install.sh');
    expect(cfg.deb.afterRemove).toBe('packaging/deb/after-remove.sh');
  });
});

interface UdevRule {
  line: number;
  match: Record<string, string>;
  assign: Record<string, string>;
}

/** Parses udev rules strictly: every rule line must be nothing but `KEY op "value"` pairs separated by commas. */
function parseUdev(text: string): UdevRule[] {
  const rules: UdevRule[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const pair = /^\s*([A-Za-z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(?:,|$)/;
    let rest = line;
    const rule: UdevRule = { line: i + 1, match: {}, assign: {} };
    while (rest.length > 0) {
      const m = pair.exec(rest);
      if (!m) throw new Error(`line ${i + 1}: cannot parse "${rest}"`);
      const [, key = '', op, value = ''] = m;
      if (op === '==' || op === '!=') rule.match[key] = value;
      else rule.assign[key] = value;
      rest = rest.slice(m[0].length);
    }
    rules.push(rule);
  });
  return rules;
}

describe('udev rules', () => {
  const rules = parseUdev(read('packaging/udev/99-returns-station.rules'));

  it('parse strictly (no comment after a rule, which udev would reject)', () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
  });

  it('give serial and hidraw devices to the returns group, 0660, never world-writable, never running programs', () => {
    for (const r of rules) {
      expect(['tty', 'hidraw']).toContain(r.match.SUBSYSTEM);
      expect(r.assign.GROUP).toBe('returns');
      expect(r.assign.MODE).toBe('0660');
      expect(Object.keys(r.assign).some((k) => k.startsWith('RUN') || k === 'OWNER' || k.startsWith('PROGRAM'))).toBe(false);
      expect(r.match['ATTRS{idVendor}']).toMatch(/^[0-9a-f]{4}$/);
    }
  });

  it('cover the common readers and scanners by VID/PID', () => {
    const ids = new Set(rules.map((r) => `${r.match.SUBSYSTEM} ${r.match['ATTRS{idVendor}']}:${r.match['ATTRS{idProduct}'] ?? '*'}`));
    for (const id of ['tty 1a86:7523', 'tty 10c4:ea60', 'tty 0403:6001', 'hidraw 0c2e:*', 'hidraw 05e0:*']) expect(ids).toContain(id);
  });

  it('tell ModemManager to leave every serial adapter alone', () => {
    for (const r of rules.filter((x) => x.match.SUBSYSTEM === 'tty')) expect(r.assign['ENV{ID_MM_DEVICE_IGNORE}']).toBe('1');
  });
});

/** systemd unit files: sections of `Key=Value` lines; repeated keys kept in order. */
function parseUnit(text: string): Record<string, Array<[string, string]>> {
  const out: Record<string, Array<[string, string]>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s?.[1]) {
      section = s[1];
      out[section] = [];
      continue;
    }
    const i = line.indexOf('=');
    if (i < 0) throw new Error(`not Key=Value: ${line}`);
    (out[section] ??= []).push([line.slice(0, i), line.slice(i + 1)]);
  }
  return out;
}

describe('systemd unit', () => {
  const unit = parseUnit(read('packaging/systemd/returns-station-kiosk.service'));
  const get = (section: string, key: string): string[] => (unit[section] ?? []).filter(([k]) => k === key).map(([, v]) => v);
  const one = (section: string, key: string): string | undefined => get(section, key).at(-1);

  it('restarts the kiosk whenever it stops, with a start limit in [Unit] (where systemd reads it)', () => {
    expect(one('Service', 'Restart')).toBe('always');
    expect(Number(one('Service', 'RestartSec'))).toBeGreaterThan(0);
    expect(one('Unit', 'StartLimitIntervalSec')).toBeDefined();
    expect(one('Service', 'StartLimitIntervalSec')).toBeUndefined();
    expect(one('Service', 'KillSignal')).toBe('SIGTERM');
  });

  it('runs as an unprivileged user in the returns group, with no way to gain privileges', () => {
    expect(one('Service', 'User')).toBe('returns-kiosk');
    expect(one('Service', 'User')).not.toBe('root');
    expect(one('Service', 'Group')).toBe('returns');
    expect(one('Service', 'NoNewPrivileges')).toBe('yes');
    expect(one('Service', 'ProtectSystem')).toMatch(/^(full|strict)$/);
    expect(one('Service', 'ProtectHome')).toBe('yes');
  });

  it('leaves Chromium\'s sandbox and JIT working (no namespace or W^X restrictions, no --no-sandbox)', () => {
    expect(one('Service', 'RestrictNamespaces')).toBeUndefined();
    expect(one('Service', 'MemoryDenyWriteExecute')).toBeUndefined();
    const exec = one('Service', 'ExecStart') ?? '';
    for (const bad of ['--no-sandbox', '--disable-web-security', '--remote-debugging', '--inspect', '--disable-gpu-sandbox']) expect(exec).not.toContain(bad);
  });

  it('BUG-58: starts a version-independent path, in cage without VT switching, owning tty1', () => {
    const exec = one('Service', 'ExecStart') ?? '';
    expect(exec).toMatch(/^\/usr\/bin\/cage -- \/usr\/bin\/returns-station-kiosk /);
    expect(hasVersionedSegment(exec)).toBe(false);
    expect(exec).not.toMatch(/\d+\.\d+\.\d+/);
    expect(one('Unit', 'Conflicts')).toBe('getty@tty1.service');
    expect(one('Service', 'TTYPath')).toBe('/dev/tty1');
  });
});

describe('deb maintainer scripts', () => {
  // Commands only: the comments may mention what the scripts deliberately do not do.
  const code = (t: string): string => t.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
  const install = code(read('packaging/deb/after-install.sh'));
  const remove = code(read('packaging/deb/after-remove.sh'));

  it('are valid POSIX sh', () => {
    execFileSync('sh', ['-n', join(root, 'packaging/deb/after-install.sh')]);
    execFileSync('sh', ['-n', join(root, 'packaging/deb/after-remove.sh')]);
  });

  it('create the returns group and a system user, install the rules and unit, and never open devices to everyone', () => {
    expect(install).toContain('groupadd --system returns');
    expect(install).toMatch(/useradd --system --gid returns .*--shell \/usr\/sbin\/nologin returns-kiosk/);
    expect(install).toContain('/usr/lib/udev/rules.d/99-returns-station.rules');
    expect(install).toContain('/usr/lib/systemd/system/returns-station-kiosk.service');
    expect(install).not.toMatch(/chmod\s+(0?666|0?777|a\+w|o\+w)/);
    expect(install).not.toMatch(/systemctl enable/);
    // electron-builder treats the script as a template: brace-style variables would be replaced.
    expect(install).not.toContain('${');
  });

  it('keep the station data on removal (unconfirmed events may still be in the outbox)', () => {
    expect(remove).not.toMatch(/rm\s+-rf?\s+\/var\/lib\/returns-station/);
    expect(remove).not.toMatch(/\/etc\/returns-station/);
  });
});
