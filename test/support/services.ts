import { execFileSync } from 'node:child_process';
import net from 'node:net';

/**
 * Tests that need a real service (Mosquitto, PostgreSQL, socat, Chromium) call this first. On a user's machine
 * without the service the suite prints a clear skip line; in CI (REQUIRE_SERVICES=1) a missing service fails.
 */
export function serviceGate(name: string, available: boolean): boolean {
  if (available) return true;
  const msg = `service ${name} is not available on this machine`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${msg}, and REQUIRE_SERVICES=1 demands it`);
  console.warn(`SKIP: ${msg}; the tests that need it are skipped (set REQUIRE_SERVICES=1 to make this a failure)`);
  return false;
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (v: boolean): void => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
