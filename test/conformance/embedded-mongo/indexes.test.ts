import { expect } from 'chai';
import { closeHarness, expectCode, openHarness, usingRealMongo, type Harness } from './helpers.js';

describe('embedded mongo conformance: indexes and TTL', function () {
  let h: Harness | undefined;
  const harness = (): Harness => h!;

  before(async function () {
    h = await openHarness();
  });
  after(async function () {
    await closeHarness(h);
  });

  it('createIndexes, listIndexes and dropIndexes', async function () {
    const c = harness().db.collection('ix');
    expect(await c.createIndex({ a: 1 }, { name: 'a_1' })).to.equal('a_1');
    expect(await c.createIndex({ a: 1 }, { name: 'a_1' })).to.equal('a_1');
    await c.createIndex({ b: -1, c: 1 }, { unique: true });
    const names = (await c.indexes()).map((i) => i.name);
    expect(names).to.have.members(['_id_', 'a_1', 'b_-1_c_1']);
    const unique = (await c.indexes()).find((i) => i.name === 'b_-1_c_1');
    expect(unique?.unique).to.equal(true);
    expect(unique?.key).to.deep.equal({ b: -1, c: 1 });
    await expectCode(c.createIndex({ a: 1 }, { name: 'a_1', unique: true }), 86);
    await c.dropIndex('a_1');
    await expectCode(c.dropIndex('a_1'), 27);
    await expectCode(harness().db.collection('missing_coll').indexes(), 26);
    await c.dropIndexes();
    expect((await c.indexes()).map((i) => i.name)).to.deep.equal(['_id_']);
  });

  it('duplicate _id reports E11000 with keyPattern and keyValue', async function () {
    const c = harness().db.collection('dup_id');
    await c.insertOne({ _id: 'x' as never });
    const error = await expectCode(c.insertOne({ _id: 'x' as never }), 11000);
    expect(error['keyValue']).to.deep.equal({ _id: 'x' });
    expect(error['keyPattern']).to.deep.equal({ _id: 1 });
    expect(error.message).to.match(
      /^E11000 duplicate key error collection: .*dup_id index: _id_ dup key: \{ _id: "x" \}/,
    );
  });

  it('compound unique index rejects only the full duplicate key', async function () {
    const c = harness().db.collection('dup_compound');
    await c.createIndex({ org: 1, email: 1 }, { unique: true });
    await c.insertMany([
      { org: 1, email: 'a@x' },
      { org: 2, email: 'a@x' },
    ]);
    const error = await expectCode(c.insertOne({ org: 1, email: 'a@x' }), 11000);
    expect(error['keyValue']).to.deep.equal({ org: 1, email: 'a@x' });
    await c.updateOne({ org: 2 }, { $set: { email: 'b@x' } });
    await expectCode(c.updateOne({ org: 2 }, { $set: { org: 1, email: 'a@x' } }), 11000);
  });

  it('a missing field counts as null in a non-sparse unique index', async function () {
    const c = harness().db.collection('dup_null');
    await c.createIndex({ code: 1 }, { unique: true });
    await c.insertOne({ other: 1 });
    const error = await expectCode(c.insertOne({ other: 2 }), 11000);
    expect(error['keyValue']).to.deep.equal({ code: null });
    await expectCode(c.insertOne({ code: null }), 11000);
  });

  it('sparse unique index ignores documents without the field', async function () {
    const c = harness().db.collection('dup_sparse');
    await c.createIndex({ code: 1 }, { unique: true, sparse: true });
    await c.insertMany([{ other: 1 }, { other: 2 }, { code: 'a' }]);
    await expectCode(c.insertOne({ code: 'a' }), 11000);
  });

  it('partial unique index applies only to matching documents', async function () {
    const c = harness().db.collection('dup_partial');
    await c.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await c.insertMany([
      { email: 'a', active: false },
      { email: 'a', active: false },
      { email: 'a', active: true },
    ]);
    await expectCode(c.insertOne({ email: 'a', active: true }), 11000);
    await expectCode(c.updateOne({ active: false }, { $set: { active: true } }), 11000);
  });

  it('multikey unique index compares array elements across documents', async function () {
    const c = harness().db.collection('dup_multikey');
    await c.createIndex({ tags: 1 }, { unique: true });
    await c.insertOne({ tags: ['a', 'b', 'b'] });
    await c.insertOne({ tags: ['c'] });
    const error = await expectCode(c.insertOne({ tags: ['d', 'b'] }), 11000);
    expect(error['keyValue']).to.deep.equal({ tags: 'b' });
  });

  it('creating a unique index over duplicates fails and leaves no index', async function () {
    const c = harness().db.collection('dup_build');
    await c.insertMany([{ v: 1 }, { v: 1 }]);
    await expectCode(c.createIndex({ v: 1 }, { unique: true }), 11000);
    expect((await c.indexes()).map((i) => i.name)).to.deep.equal(['_id_']);
  });

  it('equality lookups through indexes return the same answers as scans', async function () {
    const c = harness().db.collection('lookups');
    await c.createIndex({ k: 1 });
    await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ k: i % 5, n: i, arr: [i, i + 1] })));
    await c.createIndex({ arr: 1 });
    expect(await c.countDocuments({ k: 3 })).to.equal(10);
    expect(await c.countDocuments({ k: { $in: [1, 2] } })).to.equal(20);
    expect(await c.countDocuments({ k: 3, n: { $gt: 20 } })).to.equal(6);
    expect(await c.countDocuments({ arr: 7 })).to.equal(2);
    expect(await c.countDocuments({ k: 3.0 })).to.equal(10);
  });

  it('embedded-only: TTL index removes expired documents when the clock advances', async function () {
    const embedded = harness().database.embedded;
    if (usingRealMongo() || embedded === undefined) this.skip(); // needs the injectable clock and runTtl()
    const c = harness().db.collection('ttl');
    await c.createIndex({ createdAt: 1 }, { expireAfterSeconds: 10 });
    const now = new Date(embedded.clock.now());
    await c.insertMany([
      { label: 'fresh', createdAt: now },
      { label: 'array', createdAt: [new Date(now.getTime() + 60_000), now] },
      { label: 'not a date', createdAt: 'yesterday' },
      { label: 'no field' },
    ]);
    expect(embedded.runTtl()).to.equal(0);
    embedded.clock.advance(11_000);
    expect(embedded.runTtl()).to.equal(2);
    expect((await c.find({}).toArray()).map((d) => d['label'] as unknown)).to.have.members([
      'not a date',
      'no field',
    ]);
  });
});
