// One database per call for every test tier: a real MongoDB when MONGODB_URI is set (tests may
// read process.env), otherwise a fresh embedded server on a free port.
import { randomBytes } from 'node:crypto';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/dev/embedded-mongo/index.js';

export interface TestDatabase {
  /** A URI including a fresh, random database name. */
  uri: string;
  dbName: string;
  /** Present only when running against the embedded server. */
  embedded: EmbeddedMongo | undefined;
  close(): Promise<void>;
}

function freshName(): string {
  return `pw_test_${randomBytes(6).toString('hex')}`;
}

function withDatabase(uri: string, dbName: string): string {
  const url = new URL(uri);
  url.pathname = `/${dbName}`;
  return url.toString();
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const dbName = freshName();
  const external = process.env['MONGODB_URI'];
  if (external !== undefined && external !== '') {
    return {
      uri: withDatabase(external, dbName),
      dbName,
      embedded: undefined,
      close: () => Promise.resolve(),
    };
  }
  const embedded = await startEmbeddedMongo({ port: 0 });
  return {
    uri: withDatabase(embedded.uri, dbName),
    dbName,
    embedded,
    close: () => embedded.close(),
  };
}

export function usingRealMongo(): boolean {
  const external = process.env['MONGODB_URI'];
  return external !== undefined && external !== '';
}
