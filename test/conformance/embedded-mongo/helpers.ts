// Shared set-up for the conformance suite: "same assertions, any URI" through the real driver.
import mongoose from 'mongoose';
import { expect } from 'chai';
import { openTestDatabase, usingRealMongo, type TestDatabase } from '../../support/database.js';

export const { MongoClient, MongoServerError } = mongoose.mongo;
export type MongoClientType = InstanceType<typeof MongoClient>;
export type Db = ReturnType<MongoClientType['db']>;

export interface Harness {
  database: TestDatabase;
  client: MongoClientType;
  db: Db;
}

export async function openHarness(): Promise<Harness> {
  const database = await openTestDatabase();
  const client = new MongoClient(database.uri);
  await client.connect();
  return { database, client, db: client.db(database.dbName) };
}

export async function closeHarness(h: Harness | undefined): Promise<void> {
  if (h === undefined) return;
  if (usingRealMongo()) await h.db.dropDatabase();
  await h.client.close();
  await h.database.close();
}

/** Awaits a rejection and checks its server error code (never the message). */
export async function expectCode(
  promise: Promise<unknown>,
  code: number,
): Promise<InstanceType<typeof MongoServerError>> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(MongoServerError);
    const serverError = error as InstanceType<typeof MongoServerError>;
    expect(serverError.code, serverError.message).to.equal(code);
    return serverError;
  }
  expect.fail(`expected a server error with code ${code}`);
}

export { usingRealMongo };
