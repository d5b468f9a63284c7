import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Decimal128, Long } from 'bson';
import mongoose from 'mongoose';
import { startEmbeddedMongo } from '../../../src/dev/embedded-mongo/index.js';
import { usingRealMongo } from '../../support/database.js';

describe('embedded mongo: dev-mode snapshot persistence (embedded-only)', function () {
  let dir: string | undefined;

  before(function () {
    if (usingRealMongo()) this.skip(); // exercises the embedded server's own snapshot file
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-embedded-'));
  });
  after(function () {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('data and indexes survive a restart; the file is replaced atomically', async function () {
    const snapshotPath = path.join(dir!, 'nested', 'db.json');
    const first = await startEmbeddedMongo({ snapshotPath, snapshotDebounceMs: 5 });
    const client = new mongoose.mongo.MongoClient(`${first.uri}devdb`);
    try {
      const c = client.db().collection('kept');
      await c.createIndex({ email: 1 }, { unique: true });
      await c.insertOne({
        email: 'a@x',
        big: Long.fromString('9007199254740993'),
        dec: Decimal128.fromString('2.50'),
        at: new Date(0),
      });
    } finally {
      await client.close();
      await first.close();
    }
    expect(fs.readdirSync(path.dirname(snapshotPath))).to.deep.equal(['db.json']);

    const second = await startEmbeddedMongo({ snapshotPath });
    const again = new mongoose.mongo.MongoClient(`${second.uri}devdb`);
    try {
      const c = again.db().collection('kept');
      const doc = await c.findOne({ email: 'a@x' }, { promoteLongs: false });
      expect(String(doc?.['big'])).to.equal('9007199254740993');
      expect(String(doc?.['dec'])).to.equal('2.50');
      expect((doc?.['at'] as Date).getTime()).to.equal(0);
      expect((await c.indexes()).map((i) => i.name)).to.deep.equal(['_id_', 'email_1']);
      try {
        await c.insertOne({ email: 'a@x' });
        expect.fail('expected a duplicate key error');
      } catch (error) {
        expect((error as { code?: number }).code).to.equal(11000);
      }
    } finally {
      await again.close();
      await second.close();
    }
  });
});
