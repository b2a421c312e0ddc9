import type { Runtime } from '@fitsync/runtime';
import type { Db } from '../db/db.js';
import type { Metrics } from '../metrics.js';
import { type EventBus, LocalEventBus } from './event-bus.js';
import { type EventBusLog, PgEventBus } from './pg-event-bus.js';

/**
 * The bus the database calls for: SQLite is one process's file, so events stay in the process;
 * on PostgreSQL several instances may share the database, so events travel by LISTEN/NOTIFY.
 * The PostgreSQL bus is listening when this resolves.
 */
export async function openEventBus(
  db: Db,
  databaseUrl: string | undefined,
  opts: { log?: EventBusLog; metrics?: Metrics; runtime?: Runtime } = {},
): Promise<EventBus> {
  if (db.dialect !== 'postgres') return new LocalEventBus();
  if (!databaseUrl) throw new Error('the PostgreSQL event bus needs the database URL (FITSYNC_DATABASE_URL)');
  const bus = new PgEventBus({ db, url: databaseUrl, ...opts });
  await bus.start();
  return bus;
}
