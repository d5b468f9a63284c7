import { expect } from 'chai';
import mongoose from 'mongoose';
import { startEmbeddedMongo } from '../../../src/dev/embedded-mongo/index.js';
import { usingRealMongo } from '../../support/database.js';

describe('embedded mongo: in-process API (embedded-only)', function () {
  before(function () {
    if (usingRealMongo()) this.skip(); // exercises startEmbeddedMongo itself
  });

  it('the TTL sweeper runs on its timer, using the injected clock', async function () {
    let now = Date.UTC(2030, 0, 1);
    const server = await startEmbeddedMongo({ clock: { now: () => now }, ttlSweepMs: 10 });
    const client = new mongoose.mongo.MongoClient(`${server.uri}ttl`);
    try {
      const c = client.db().collection('nonces');
      await c.createIndex({ createdAt: 1 }, { expireAfterSeconds: 10 });
      await c.insertOne({ createdAt: new Date(now) });
      const hello = await client.db().admin().command({ hello: 1 });
      expect((hello['localTime'] as Date).getTime()).to.equal(now);
      now += 11_000;
      let remaining = 1;
      for (let attempt = 0; attempt < 100 && remaining > 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        remaining = await c.countDocuments();
      }
      expect(remaining).to.equal(0);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('$currentDate and $$NOW follow the clock; close() is idempotent', async function () {
    const server = await startEmbeddedMongo({ clock: { now: () => Date.UTC(2031, 5, 1) } });
    const client = new mongoose.mongo.MongoClient(`${server.uri}clock`);
    try {
      const c = client.db().collection('stamps');
      await c.insertOne({ k: 1 });
      server.clock.advance(1000);
      await c.updateOne({ k: 1 }, { $currentDate: { at: true } });
      const [row] = await c.aggregate([{ $project: { _id: 0, at: 1, now: '$$NOW' } }]).toArray();
      expect((row?.['at'] as Date).toISOString()).to.equal('2031-06-01T00:00:01.000Z');
      expect((row?.['now'] as Date).toISOString()).to.equal('2031-06-01T00:00:01.000Z');
    } finally {
      await client.close();
      await server.close();
      await server.close();
    }
  });
});
