import { expect } from 'chai';
import { Binary, Decimal128, Long, ObjectId, UUID } from 'bson';
import { closeHarness, expectCode, openHarness, usingRealMongo, type Harness } from './helpers.js';
import mongoose from 'mongoose';

const { MongoBulkWriteError } = mongoose.mongo;

describe('embedded mongo conformance: commands', function () {
  let h: Harness | undefined;
  const harness = (): Harness => h!;

  before(async function () {
    h = await openHarness();
  });
  after(async function () {
    await closeHarness(h);
  });

  it('answers hello, ping and buildInfo with a 7.0 wire version and session support', async function () {
    const hello = await harness().db.admin().command({ hello: 1 });
    expect(hello['isWritablePrimary']).to.equal(true);
    expect(hello['maxWireVersion']).to.be.at.least(21);
    expect(hello['logicalSessionTimeoutMinutes']).to.be.a('number');
    const legacy = await harness().db.admin().command({ ismaster: 1 });
    expect(legacy['ismaster']).to.equal(true);
    expect((await harness().db.admin().ping())['ok']).to.equal(1);
    const info = await harness().db.admin().command({ buildInfo: 1 });
    expect(info['version']).to.be.a('string');
  });

  it('endSessions, count and killCursors answer as raw commands', async function () {
    const { db } = harness();
    const ended = await db.admin().command({ endSessions: [{ id: new UUID() }] });
    expect(ended['ok']).to.equal(1);
    await db.collection('raw').insertMany([{ a: 1 }, { a: 2 }, { a: 2 }]);
    const counted = await db.command({ count: 'raw', query: { a: 2 } });
    expect(counted['n']).to.equal(2);
    const distinct = await db.command({ distinct: 'raw', key: 'a' });
    expect((distinct['values'] as number[]).sort()).to.deep.equal([1, 2]);
    const killed = await db.command({ killCursors: 'raw', cursors: [Long.fromNumber(987654)] });
    expect((killed['cursorsNotFound'] as unknown[]).map(String)).to.deep.equal(['987654']);
  });

  it('unknown commands fail with 59 CommandNotFound', async function () {
    const error = await expectCode(harness().db.command({ noSuchCommandAtAll: 1 }), 59);
    expect(error.codeName).to.equal('CommandNotFound');
  });

  it('create, listCollections, drop and dropDatabase', async function () {
    const { db } = harness();
    await db.createCollection('created');
    await expectCode(db.createCollection('created'), 48);
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).to.include('created');
    const filtered = await db.listCollections({ name: 'created' }).toArray();
    expect(filtered).to.have.length(1);
    expect(await db.collection('created').drop()).to.equal(true);
    expect((await db.listCollections({ name: 'created' }).toArray()).length).to.equal(0);
    const other = harness().client.db(`${harness().database.dbName}_other`);
    await other.collection('x').insertOne({ a: 1 });
    const dbs = await harness().client.db('admin').admin().listDatabases();
    expect(dbs.databases.map((d) => d.name)).to.include(`${harness().database.dbName}_other`);
    expect(await other.dropDatabase()).to.equal(true);
    const after = await harness().client.db('admin').admin().listDatabases({ nameOnly: true });
    expect(after.databases.map((d) => d.name)).not.to.include(`${harness().database.dbName}_other`);
  });

  it('insert, find, update, delete, count and distinct round-trip', async function () {
    const c = harness().db.collection('crud');
    const inserted = await c.insertMany([
      { k: 'a', n: 1, tags: ['x', 'y'] },
      { k: 'b', n: 2, tags: ['y'] },
      { k: 'c', n: 3 },
    ]);
    expect(inserted.insertedCount).to.equal(3);
    expect(
      await c.find({ n: { $gte: 2 } }, { sort: { n: -1 }, projection: { _id: 0, k: 1 } }).toArray(),
    ).to.deep.equal([{ k: 'c' }, { k: 'b' }]);
    expect(
      await c.findOne({ tags: 'y' }, { sort: { n: 1 }, projection: { _id: 0, k: 1 } }),
    ).to.deep.equal({ k: 'a' });
    const updated = await c.updateMany({ tags: 'y' }, { $inc: { n: 10 } });
    expect(updated.matchedCount).to.equal(2);
    expect(updated.modifiedCount).to.equal(2);
    const unchanged = await c.updateOne({ k: 'c' }, { $set: { n: 3 } });
    expect(unchanged.modifiedCount).to.equal(0);
    expect(await c.countDocuments({ n: { $gt: 10 } })).to.equal(2);
    expect(await c.estimatedDocumentCount()).to.equal(3);
    expect((await c.distinct('tags')).sort()).to.deep.equal(['x', 'y']);
    expect(await c.distinct('k', { n: { $lt: 5 } })).to.deep.equal(['c']);
    const deleted = await c.deleteMany({ n: { $gt: 10 } });
    expect(deleted.deletedCount).to.equal(2);
    const one = await c.deleteOne({});
    expect(one.deletedCount).to.equal(1);
    expect(await c.countDocuments()).to.equal(0);
  });

  it('upserts with $setOnInsert, and replaceOne upsert keeps the query _id', async function () {
    const c = harness().db.collection('upserts');
    const first = await c.updateOne(
      { key: 'k1' },
      { $set: { seen: 1 }, $setOnInsert: { createdBy: 'upsert' } },
      { upsert: true },
    );
    expect(first.upsertedCount).to.equal(1);
    await c.updateOne(
      { key: 'k1' },
      { $set: { seen: 2 }, $setOnInsert: { createdBy: 'again' } },
      { upsert: true },
    );
    expect(await c.findOne({ key: 'k1' }, { projection: { _id: 0 } })).to.deep.equal({
      key: 'k1',
      seen: 2,
      createdBy: 'upsert',
    });
    const replaced = await c.replaceOne(
      { _id: 'fixed' as unknown as ObjectId },
      { v: 1 },
      { upsert: true },
    );
    expect(replaced.upsertedId).to.equal('fixed');
    expect(await c.findOne({ _id: 'fixed' as unknown as ObjectId })).to.deep.equal({
      _id: 'fixed',
      v: 1,
    });
    const ranged = await c.updateOne(
      { s: { $gt: 5 }, tag: 't' },
      { $set: { x: 1 } },
      { upsert: true },
    );
    const doc = await c.findOne({ _id: ranged.upsertedId! });
    expect(doc).to.include({ tag: 't', x: 1 });
    expect(doc).not.to.have.property('s');
  });

  it('positional $ updates the matched array element', async function () {
    const c = harness().db.collection('positional');
    await c.insertOne({ _id: 1 as unknown as ObjectId, grades: [80, 85, 90] });
    await c.updateOne({ _id: 1 as unknown as ObjectId, grades: 85 }, { $set: { 'grades.$': 86 } });
    expect((await c.findOne({ _id: 1 as unknown as ObjectId }))?.['grades']).to.deep.equal([
      80, 86, 90,
    ]);
  });

  it('array and field operators: $push modifiers, $addToSet, arrayFilters, $pull, $rename, $min/$max, pipeline', async function () {
    interface ArrayDoc {
      k: number;
      items: { q: number; big?: boolean }[];
      fresh?: number[];
      nested?: { set: number[] };
      n?: number;
      m?: number;
      top?: number;
      total?: number;
    }
    const c = harness().db.collection<ArrayDoc>('arrays');
    await c.insertOne({ k: 1, items: [{ q: 1 }, { q: 5 }, { q: 9 }], n: 4 });
    await c.updateOne(
      { k: 1 },
      {
        $push: { fresh: { $each: [5, 1, 3], $sort: 1, $slice: 2 } },
        $addToSet: { 'nested.set': { $each: [5, 1, 5] } },
      },
    );
    await c.updateOne(
      { k: 1 },
      { $set: { 'items.$[e].big': true } },
      { arrayFilters: [{ 'e.q': { $gt: 4 } }] },
    );
    await c.updateOne({ k: 1 }, { $pull: { items: { q: { $lt: 2 } } }, $rename: { n: 'm' } });
    await c.updateOne({ k: 1 }, { $min: { m: 2 }, $max: { top: 7 } });
    await c.updateOne({ k: 1 }, [{ $set: { total: { $add: ['$m', '$top'] } } }]);
    expect(await c.findOne({ k: 1 }, { projection: { _id: 0 } })).to.deep.equal({
      k: 1,
      items: [
        { q: 5, big: true },
        { q: 9, big: true },
      ],
      fresh: [1, 3],
      nested: { set: [5, 1] },
      m: 2,
      top: 7,
      total: 9,
    });
    expect(
      await c.findOne({ k: 1 }, { projection: { _id: 0, items: { $elemMatch: { q: 9 } } } }),
    ).to.deep.equal({ items: [{ q: 9, big: true }] });
  });

  it('_id is immutable (66) but setting the same value is allowed', async function () {
    const c = harness().db.collection('immutable');
    await c.insertOne({ _id: 'a' as unknown as ObjectId, v: 1 });
    await expectCode(c.updateOne({ _id: 'a' as unknown as ObjectId }, { $set: { _id: 'b' } }), 66);
    await expectCode(c.replaceOne({ _id: 'a' as unknown as ObjectId }, { _id: 'b', v: 2 }), 66);
    const same = await c.updateOne(
      { _id: 'a' as unknown as ObjectId },
      { $set: { _id: 'a', v: 2 } },
    );
    expect(same.modifiedCount).to.equal(1);
  });

  it('type errors mingo misses: $inc on a string (14), $push on a scalar (2), path through a scalar (28)', async function () {
    const c = harness().db.collection('types');
    await c.insertOne({ _id: 't' as unknown as ObjectId, s: 'text', n: 1 });
    const t = { _id: 't' as unknown as ObjectId };
    await expectCode(c.updateOne(t, { $inc: { s: 1 } }), 14);
    await expectCode(c.updateOne(t, { $inc: { n: 'x' as unknown as number } }), 14);
    await expectCode(c.updateOne(t, { $push: { s: 1 } } as never), 2);
    await expectCode(c.updateOne(t, { $set: { 'n.deeper': 1 } }), 28);
    await expectCode(c.updateOne(t, { $set: { n: 1 }, $inc: { n: 1 } }), 40);
    await expectCode(c.updateOne(t, JSON.parse('{"$frobnicate":{"n":1}}') as never), 9);
  });

  it('findAndModify: update (new/old), upsert, remove, sort and fields', async function () {
    const c = harness().db.collection('fam');
    await c.insertMany([
      { k: 1, v: 'a' },
      { k: 2, v: 'b' },
    ]);
    const before = await c.findOneAndUpdate(
      {},
      { $set: { v: 'z' } },
      { sort: { k: -1 }, projection: { _id: 0 } },
    );
    expect(before).to.deep.equal({ k: 2, v: 'b' });
    const after = await c.findOneAndUpdate(
      { k: 1 },
      { $set: { v: 'y' } },
      { returnDocument: 'after', projection: { _id: 0 } },
    );
    expect(after).to.deep.equal({ k: 1, v: 'y' });
    const upserted = await c.findOneAndUpdate(
      { k: 3 },
      { $setOnInsert: { v: 'new' } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    expect(upserted.lastErrorObject?.['updatedExisting']).to.equal(false);
    expect(upserted.value).to.include({ k: 3, v: 'new' });
    const removed = await c.findOneAndDelete({ k: 3 }, { projection: { _id: 0 } });
    expect(removed).to.deep.equal({ k: 3, v: 'new' });
    const replaced = await c.findOneAndReplace(
      { k: 2 },
      { k: 2, v: 'r' },
      { returnDocument: 'after', projection: { _id: 0 } },
    );
    expect(replaced).to.deep.equal({ k: 2, v: 'r' });
    expect(await c.findOneAndDelete({ k: 99 })).to.equal(null);
  });

  it('BSON values round-trip: Long beyond 2^53, Date, ObjectId, Binary, UUID, Decimal128', async function () {
    const c = harness().db.collection('bson');
    const big = Long.fromString('9007199254740993');
    const doc = {
      _id: new ObjectId(),
      big,
      when: new Date('2024-02-29T12:00:00.000Z'),
      bin: new Binary(Buffer.from([1, 2, 3])),
      uuid: new UUID('1b4e28ba-2fa1-11d2-883f-0016d3cca427'),
      dec: Decimal128.fromString('1.10'),
      nested: { arr: [1, 'two', null] },
    };
    await c.insertOne(doc);
    const found = await c.findOne({ _id: doc._id }, { promoteLongs: false });
    expect(String(found?.['big'])).to.equal('9007199254740993');
    expect((found?.['when'] as Date).toISOString()).to.equal('2024-02-29T12:00:00.000Z');
    expect(found?.['bin']).to.be.instanceOf(Binary);
    expect((found?.['bin'] as Binary).buffer).to.deep.equal(new Uint8Array([1, 2, 3]));
    expect((found?.['uuid'] as Binary).sub_type).to.equal(4);
    expect(String(found?.['dec'])).to.equal('1.10');
    expect(found?.['nested']).to.deep.equal({ arr: [1, 'two', null] });
    expect(await c.countDocuments({ big })).to.equal(1);
  });

  it('write errors report index, code and keyValue; ordered stops, unordered continues', async function () {
    const c = harness().db.collection('bulk');
    await c.insertOne({ _id: 1 as unknown as ObjectId });
    const attempt = async (
      ordered: boolean,
      ids: number[],
    ): Promise<{ index: number; code: number }[]> => {
      try {
        await c.insertMany(
          ids.map((id) => ({ _id: id as unknown as ObjectId })),
          { ordered },
        );
      } catch (error) {
        expect(error).to.be.instanceOf(MongoBulkWriteError);
        const bulk = error as InstanceType<typeof MongoBulkWriteError>;
        const errors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
        return errors.map((e) => ({ index: e.index, code: e.code }));
      }
      return [];
    };
    expect(await attempt(false, [2, 1, 3])).to.deep.equal([{ index: 1, code: 11000 }]);
    expect(await c.countDocuments()).to.equal(3);
    expect(await attempt(true, [4, 1, 5])).to.deep.equal([{ index: 1, code: 11000 }]);
    expect(await c.countDocuments()).to.equal(4);
    // The driver's bulk API drops keyValue; the raw reply carries it.
    const raw = await harness().db.command({ insert: 'bulk', documents: [{ _id: 6 }, { _id: 1 }] });
    const writeErrors = raw['writeErrors'] as {
      index: number;
      code: number;
      keyValue: unknown;
      keyPattern: unknown;
    }[];
    expect(raw['n']).to.equal(1);
    expect(writeErrors.map((e) => [e.index, e.code, e.keyValue, e.keyPattern])).to.deep.equal([
      [1, 11000, { _id: 1 }, { _id: 1 }],
    ]);
  });

  it('unsupported operators fail loudly', async function () {
    const c = harness().db.collection('loud');
    await c.insertOne({ a: 1 });
    await expectCode(c.find({ a: { $frobnicate: 1 } }).toArray(), 2);
    await expectCode(c.aggregate([{ $frobnicate: {} }]).toArray(), 40324);
  });

  it('embedded-only: features real MongoDB supports fail with 115 NotImplemented', async function () {
    if (usingRealMongo()) this.skip(); // real MongoDB implements these
    const c = harness().db.collection('loud');
    await expectCode(c.find({ $text: { $search: 'x' } }).toArray(), 115);
    await expectCode(c.find({ $where: 'this.a == 1' }).toArray(), 115);
    await expectCode(c.find({ loc: { $near: [0, 0] } }).toArray(), 115);
    await expectCode(c.find({ a: 1 }, { collation: { locale: 'en', strength: 2 } }).toArray(), 115);
    await expectCode(c.aggregate([{ $merge: { into: 'other' } }]).toArray(), 115);
    await expectCode(c.find({ a: { $type: 'double' } }).toArray(), 115);
    const stream = c.watch();
    await expectCode(stream.tryNext(), 115);
    await stream.close();
  });
});
