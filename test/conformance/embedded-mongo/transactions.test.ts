import { expect } from 'chai';
import mongoose from 'mongoose';
import { closeHarness, expectCode, openHarness, usingRealMongo, type Harness } from './helpers.js';

describe('embedded mongo conformance: transactions', function () {
  let h: Harness | undefined;
  const harness = (): Harness => h!;

  before(async function () {
    h = await openHarness();
    const hello = await h.db.admin().command({ hello: 1 });
    if (usingRealMongo() && hello['setName'] === undefined && hello['msg'] !== 'isdbgrid') {
      this.skip(); // a standalone mongod refuses transactions (code 20); use a replica set URI
    }
    // Real MongoDB refuses to create collections implicitly in some transaction set-ups.
    await harness().db.createCollection('accounts');
  });
  after(async function () {
    await closeHarness(h);
  });

  it('withTransaction commits every statement', async function () {
    const { client, db } = harness();
    const accounts = db.collection('accounts');
    await accounts.insertMany([
      { name: 'a', balance: 100 },
      { name: 'b', balance: 0 },
    ]);
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await accounts.updateOne({ name: 'a' }, { $inc: { balance: -30 } }, { session });
        await accounts.updateOne({ name: 'b' }, { $inc: { balance: 30 } }, { session });
      });
    } finally {
      await session.endSession();
    }
    const balances = await accounts
      .find({}, { projection: { _id: 0 }, sort: { name: 1 } })
      .toArray();
    expect(balances).to.deep.equal([
      { name: 'a', balance: 70 },
      { name: 'b', balance: 30 },
    ]);
  });

  it('an error inside withTransaction aborts and undoes every write', async function () {
    const { client, db } = harness();
    const accounts = db.collection('accounts');
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await accounts.updateOne({ name: 'a' }, { $inc: { balance: -1000 } }, { session });
        await accounts.insertOne({ name: 'c', balance: 1 }, { session });
        await accounts.deleteOne({ name: 'b' }, { session });
        throw new Error('insufficient funds');
      });
      expect.fail('withTransaction should rethrow');
    } catch (error) {
      expect((error as Error).message).to.equal('insufficient funds');
    } finally {
      await session.endSession();
    }
    const balances = await accounts
      .find({}, { projection: { _id: 0 }, sort: { name: 1 } })
      .toArray();
    expect(balances).to.deep.equal([
      { name: 'a', balance: 70 },
      { name: 'b', balance: 30 },
    ]);
  });

  it('a duplicate key inside a transaction surfaces as 11000 and undoes earlier statements', async function () {
    const { client, db } = harness();
    const accounts = db.collection('accounts');
    const existing = await accounts.findOne({ name: 'a' });
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await accounts.updateOne({ name: 'b' }, { $set: { flagged: true } }, { session });
        await accounts.insertOne({ _id: existing!._id, name: 'clash' }, { session });
      });
      expect.fail('expected a duplicate key error');
    } catch (error) {
      expect((error as { code?: number }).code).to.equal(11000);
    } finally {
      await session.endSession();
    }
    expect(await accounts.countDocuments({ flagged: true })).to.equal(0);
  });

  it('explicit abortTransaction rolls back, and commit of an aborted transaction fails with 251', async function () {
    const { client, db } = harness();
    const accounts = db.collection('accounts');
    const session = client.startSession();
    try {
      session.startTransaction();
      await accounts.insertOne({ name: 'temp' }, { session });
      await session.abortTransaction();
      expect(await accounts.countDocuments({ name: 'temp' })).to.equal(0);
      const raw = await client.db('admin').command({ ping: 1 });
      expect(raw['ok']).to.equal(1);
    } finally {
      await session.endSession();
    }
    await expectCode(
      client.db('admin').command({
        commitTransaction: 1,
        lsid: { id: new mongoose.mongo.UUID() },
        txnNumber: mongoose.mongo.Long.fromNumber(1),
        autocommit: false,
      }),
      251,
    );
  });

  it('mongoose connection.transaction commits and rolls back', async function () {
    const connection = mongoose.createConnection(harness().database.uri);
    try {
      await connection.asPromise();
      const Ledger = connection.model(
        'Ledger',
        new mongoose.Schema({ entry: String, amount: Number }),
        'ledger',
      );
      await Ledger.createCollection();
      await connection.transaction(async (session) => {
        await Ledger.create([{ entry: 'kept', amount: 1 }], { session });
      });
      try {
        await connection.transaction(async (session) => {
          await Ledger.create([{ entry: 'dropped', amount: 2 }], { session });
          throw new Error('rollback');
        });
      } catch (error) {
        expect((error as Error).message).to.equal('rollback');
      }
      const entries = await Ledger.find({}).sort({ entry: 1 }).lean();
      expect(entries.map((e) => e.entry)).to.deep.equal(['kept']);
    } finally {
      await connection.close();
    }
  });
});
