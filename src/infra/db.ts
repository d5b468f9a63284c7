/**
 * Our own mongoose connection (CONVENTIONS §H.13): ltijs drives the default connection of its
 * private mongoose copy; our models live on this one, created with createConnection.
 */
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from './logger.js';

export interface Database {
  readonly connection: Connection;
  /** True when the server answers a ping within the timeout. */
  isReachable(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function openDatabase(uri: string, logger: Logger): Promise<Database> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 10_000,
    // Our schemas declare their indexes; build them at start-up so unique rules hold from the first request.
    autoIndex: true,
  });
  await connection.asPromise();
  logger.info({ db: connection.name }, 'database connected');
  return {
    connection,
    async isReachable(timeoutMs = 2000) {
      const db = connection.db;
      if (db === undefined || connection.readyState !== mongoose.ConnectionStates.connected)
        return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, timeoutMs);
      });
      try {
        return await Promise.race([db.command({ ping: 1 }).then(() => true), timeout]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await connection.close();
      logger.info('database connection closed');
    },
  };
}
