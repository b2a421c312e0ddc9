import type { AddressInfo } from 'node:net';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { loadServerKey } from '../crypto/server-key.js';
import type { CliIo } from './io.js';
import { openStores } from './open-stores.js';

/** Serves until a stop signal; returns the exit code. */
export async function runStart(config: Config, io: CliIo): Promise<number> {
  const stop = io.stopSignal();
  const db = await openStores(config);
  try {
    const serverKey = loadServerKey(config.secretKey, config.dataDir);
    const app = await buildApp({ config, db, serverKey, log: { stream: io.stderr } });
    try {
      await app.listen({ host: config.host, port: config.port });
      io.stdout.write(`${listenUrl(app.server.address() as AddressInfo, Boolean(config.tlsCert))}\n`);
      const sig = await stop;
      app.log.info({ signal: sig }, 'shutting down');
    } finally {
      await app.close();
    }
  } finally {
    await db.close();
  }
  return 0;
}

/** The URL clients use for a bound address (IPv6 in brackets). */
export function listenUrl(addr: AddressInfo, tls: boolean): string {
  const host = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return `${tls ? 'https' : 'http'}://${host}:${addr.port}`;
}
