import { expect } from 'chai';
import { closeHarness, expectCode, openHarness, usingRealMongo, type Harness } from './helpers.js';
import { Long } from 'bson';

describe('embedded mongo conformance: cursors and aggregation', function () {
  let h: Harness | undefined;
  const harness = (): Harness => h!;

  before(async function () {
    h = await openHarness();
    await harness()
      .db.collection('many')
      .insertMany(Array.from({ length: 250 }, (_, i) => ({ i, group: i % 3 })));
  });
  after(async function () {
    await closeHarness(h);
  });

  it('find returns multiple batches through getMore', async function () {
    const cursor = harness()
      .db.collection('many')
      .find({}, { batchSize: 40, sort: { i: 1 } });
    const all = await cursor.toArray();
    expect(all).to.have.length(250);
    expect(all.map((d) => d['i'] as unknown)).to.deep.equal(
      Array.from({ length: 250 }, (_, i) => i),
    );
  });

  it('getMore and killCursors as raw commands', async function () {
    const { db } = harness();
    const first = await db.command({ find: 'many', filter: {}, batchSize: 100 });
    const firstCursor = first['cursor'] as { id: Long; firstBatch: unknown[]; ns: string };
    expect(firstCursor.firstBatch).to.have.length(100);
    expect(firstCursor.ns).to.equal(`${harness().database.dbName}.many`);
    const id = firstCursor.id;
    expect(Long.isLong(id) || typeof id === 'number').to.equal(true);
    const more = await db.command({ getMore: id, collection: 'many', batchSize: 100 });
    expect((more['cursor'] as { nextBatch: unknown[] }).nextBatch).to.have.length(100);
    const killed = await db.command({ killCursors: 'many', cursors: [id] });
    expect((killed['cursorsKilled'] as unknown[]).map(String)).to.deep.equal([String(id)]);
    await expectCode(db.command({ getMore: id, collection: 'many' }), 43);
  });

  it('closing a cursor early kills it on the server', async function () {
    const cursor = harness().db.collection('many').find({}, { batchSize: 10 });
    expect(await cursor.next()).to.not.equal(null);
    const id = cursor.id;
    expect(id?.isZero()).to.equal(false);
    await cursor.close();
    await expectCode(harness().db.command({ getMore: id, collection: 'many' }), 43);
  });

  it('limit with singleBatch (findOne) and skip', async function () {
    const c = harness().db.collection('many');
    expect(
      await c.findOne(
        { i: { $gte: 100 } },
        { sort: { i: 1 }, skip: 5, projection: { _id: 0, i: 1 } },
      ),
    ).to.deep.equal({ i: 105 });
    expect(await c.find({}).limit(7).toArray()).to.have.length(7);
  });

  it('$group, $sort and countDocuments via aggregate', async function () {
    const groups = await harness()
      .db.collection('many')
      .aggregate([
        { $group: { _id: '$group', n: { $sum: 1 }, max: { $max: '$i' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(groups).to.deep.equal([
      { _id: 0, n: 84, max: 249 },
      { _id: 1, n: 83, max: 247 },
      { _id: 2, n: 83, max: 248 },
    ]);
  });

  it('$lookup (both forms) and $facet', async function () {
    const { db } = harness();
    await db.collection('authors').insertMany([
      { _id: 1, name: 'Ann' },
      { _id: 2, name: 'Bo' },
    ] as never[]);
    await db.collection('books').insertMany([
      { title: 'A', author: 1, pages: 100 },
      { title: 'B', author: 1, pages: 300 },
      { title: 'C', author: 2, pages: 50 },
    ]);
    const joined = await db
      .collection('authors')
      .aggregate([
        { $lookup: { from: 'books', localField: '_id', foreignField: 'author', as: 'books' } },
        { $project: { _id: 0, name: 1, count: { $size: '$books' } } },
        { $sort: { name: 1 } },
      ])
      .toArray();
    expect(joined).to.deep.equal([
      { name: 'Ann', count: 2 },
      { name: 'Bo', count: 1 },
    ]);
    const piped = await db
      .collection('authors')
      .aggregate([
        {
          $lookup: {
            from: 'books',
            let: { id: '$_id' },
            pipeline: [
              { $match: { $expr: { $eq: ['$author', '$$id'] } } },
              { $match: { pages: { $gt: 60 } } },
            ],
            as: 'long',
          },
        },
        { $project: { _id: 0, name: 1, long: '$long.title' } },
        { $sort: { name: 1 } },
      ])
      .toArray();
    expect(piped).to.deep.equal([
      { name: 'Ann', long: ['A', 'B'] },
      { name: 'Bo', long: [] },
    ]);
    const [facets] = await db
      .collection('books')
      .aggregate([
        {
          $facet: {
            total: [{ $count: 'n' }],
            pages: [{ $group: { _id: null, sum: { $sum: '$pages' } } }, { $project: { _id: 0 } }],
          },
        },
      ])
      .toArray();
    expect(facets).to.deep.equal({ total: [{ n: 3 }], pages: [{ sum: 450 }] });
  });

  it('$out writes the results into a collection', async function () {
    const { db } = harness();
    await db
      .collection('many')
      .aggregate([{ $match: { group: 0 } }, { $project: { i: 1 } }, { $out: 'group0' }])
      .toArray();
    expect(await db.collection('group0').countDocuments()).to.equal(84);
  });

  it('aggregate without a cursor option is refused (9)', async function () {
    await expectCode(harness().db.command({ aggregate: 'many', pipeline: [] }), 9);
  });

  it('embedded-only: a 16 MB cap splits large batches', async function () {
    if (usingRealMongo()) this.skip(); // real batch sizes depend on server internals
    const c = harness().db.collection('large');
    const blob = 'x'.repeat(3 * 1024 * 1024);
    await c.insertMany(Array.from({ length: 8 }, (_, i) => ({ i, blob })));
    const first = await harness().db.command({
      find: 'large',
      filter: {},
      projection: { i: 1, blob: 1 },
    });
    const batch = (first['cursor'] as { firstBatch: unknown[] }).firstBatch;
    expect(batch.length).to.be.within(1, 5);
    expect(await c.countDocuments()).to.equal(8);
    expect(await c.find({}).toArray()).to.have.length(8);
  });

  it('embedded-only: idle cursors time out after 10 minutes', async function () {
    const embedded = harness().database.embedded;
    if (usingRealMongo() || embedded === undefined) this.skip(); // needs the injectable clock
    const first = await harness().db.command({ find: 'many', filter: {}, batchSize: 5 });
    const id = (first['cursor'] as { id: Long }).id;
    embedded.clock.advance(10 * 60 * 1000 + 1);
    await expectCode(harness().db.command({ getMore: id, collection: 'many' }), 43);
  });
});
