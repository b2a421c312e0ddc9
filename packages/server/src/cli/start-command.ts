import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { buildApp } from '../app.js';
import { moveIntoConfiguredStore } from '../blobs/blob-move.js';
import type { Config } from '../config.js';
import { loadServerKey } from '../crypto/server-key.js';
import { LogLines } from '../log-lines.js';
import type { CliIo } from './io.js';
import { openStores } from './open-stores.js';

/** V8's heap growth step for the server process (see runStart). */
export const HEAP_GROWTH_FLAG = '--heap-growing-percent=20';

/** Serves until a stop signal; returns the exit code. */
export async function runStart(config: Config, io: CliIo): Promise<number> {
  // A sync parses tens of megabytes of Garmin JSON a minute, nearly all of it garbage at once; by
  // default V8 answers such a burst by growing the heap in large steps, and the process holds on to
  // 250-320 MB for a live set under 100 MB. Growing by at most 20 % at a time collects a little more
  // often and keeps the peak near 200 MB (bench: peak RSS of the syncs), for a few % of sync CPU.
  setFlagsFromString(HEAP_GROWTH_FLAG);
  const stop = io.stopSignal();
  // The log's lines of one event-loop turn go to stderr as one write (see LogLines).
  const logLines = new LogLines(io.stderr);
  try {
    return await serve(config, io, stop, logLines);
  } finally {
    logLines.close();
  }
}

async function serve(config: Config, io: CliIo, stop: Promise<string>, logLines: LogLines): Promise<number> {
  const db = await openStores(config);
  try {
    const serverKey = loadServerKey(config.secretKey, config.dataDir);
    const app = await buildApp({ config, db, serverKey, log: { stream: logLines } });
    try {
      // Blobs the other store holds (FITSYNC_BLOB_STORE changed) move before anything is served.
      await moveIntoConfiguredStore(config.blobs.store, db, config.dataDir, (line) => app.log.info({}, line));
      await app.listen({ host: config.host, port: config.port });
      io.stdout.write(`${listenUrl(app.server.address() as AddressInfo, Boolean(config.tlsCert))}\n`);
      // Schedules start jobs only in a serving process; app.close() stops the scheduler first.
      app.deps.scheduler.start();
      // Orphaned blobs, every FITSYNC_BLOB_GC_EVERY (app.close() stops it).
      app.deps.blobCollector.start();
      // Retention (FITSYNC_PURGE_EVERY): only here, like the scheduler; tests call purger.runOnce().
      app.deps.purger.start();
      // FIT files an import stored and a restart left undecoded (only here: tests drive it themselves).
      app.deps.decodeBacklog.requestPending().catch((err: unknown) => {
        app.log.error({ errType: (err as Error)?.name }, 'could not look for undecoded FIT files');
      });
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
