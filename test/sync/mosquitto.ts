import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, hasCommand, portOpen } from '../support/services.js';
import { tempDir } from './helpers.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const haveMosquitto = (): boolean => hasCommand(MOSQUITTO) || hasCommand('mosquitto');

/** A private Mosquitto for one test: its own port, config and persistence dir; stop/start at will. */
export class TestMosquitto {
  proc: ChildProcess | undefined;
  readonly dir = tempDir('rs-mosq-');
  port = 0;
  constructor(private readonly extra: string[] = [], private readonly opts: { tlsPort?: boolean } = {}) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const conf = join(this.dir, 'mosquitto.conf');
    const lines = this.opts.tlsPort ? this.extra.map((l) => l.replace('{port}', String(this.port))) : [`listener ${this.port} 127.0.0.1`, 'allow_anonymous true', ...this.extra];
    // Started as root, Mosquitto drops to user "mosquitto", which could not write our temp dir's persistence file.
    chmodSync(this.dir, 0o777);
    writeFileSync(conf, [`persistence true`, `persistence_location ${this.dir}/`, process.env.MOSQUITTO_LOG ? 'log_dest stderr' : 'log_dest none', ...lines].join('\n') + '\n');
    this.proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', process.env.MOSQUITTO_LOG ? 'inherit' : 'ignore'] });
    for (let i = 0; i < 100; i++) {
      if (await portOpen(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('mosquitto did not start');
  }

  /** SIGTERM: Mosquitto writes its persistence file and exits. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  }
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
export function makeCerts(dir: string): void {
  const o = (...a: string[]): void => void execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=rs-test-ca');
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'st-01']] as const) {
    o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1' > ${name}.ext`], { cwd: dir });
    o('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
  execFileSync('sh', ['-c', 'chmod 644 *'], { cwd: dir });
}
