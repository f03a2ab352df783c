import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { listenError } from '../core/listen-error.js';
import { createLogger } from '../core/logger.js';

const log = createLogger('broker');

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The in-process broker for a first run and the demo (aedes, MQTT 3.1.1, in-memory persistence).
 * A site with more than one station should run Mosquitto/EMQX/HiveMQ instead (see docs/sync.md).
 */
export async function startEmbeddedBroker(opts: { port: number; host?: string }): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw listenError(e, 'the embedded MQTT broker', host, opts.port, 'Stop it, or give the broker another port: --broker-port <n> (0 = any free port) or mqtt.embeddedPort in station.yaml.');
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  log.info({ host, port }, 'embedded MQTT broker listening');
  return {
    url: `mqtt://${host}:${port}`,
    port,
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
