// Schema definitions are plain objects by mongoose design; the class-instance lint does not apply.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { openTestDatabase, usingRealMongo, type TestDatabase } from '../../support/database.js';

describe('embedded mongo conformance: mongoose 8', function () {
  let database: TestDatabase | undefined;
  let connection: mongoose.Connection | undefined;

  before(async function () {
    database = await openTestDatabase();
    connection = await mongoose.createConnection(database.uri).asPromise();
  });
  after(async function () {
    if (usingRealMongo()) await connection?.dropDatabase();
    await connection?.close();
    await database?.close();
  });

  const conn = (): mongoose.Connection => connection!;

  it('models: create, find, update, populate and lean', async function () {
    const Course = conn().model(
      'Course',
      new mongoose.Schema({ title: { type: String, required: true } }),
      'pw_courses',
    );
    const Learner = conn().model(
      'Learner',
      new mongoose.Schema({
        name: String,
        mastery: { type: Number, default: 0 },
        course: { type: mongoose.Schema.Types.ObjectId, ref: 'Course' },
      }),
      'pw_learners',
    );
    await Promise.all([Course.init(), Learner.init()]);
    const course = await Course.create({ title: 'Algebra' });
    await Learner.create([
      { name: 'ana', course: course._id },
      { name: 'ben', course: course._id, mastery: 0.5 },
    ]);
    await Learner.updateOne({ name: 'ana' }, { $inc: { mastery: 0.25 } });
    const ana = await Learner.findOne({ name: 'ana' })
      .populate<{ course: { title: string } }>('course')
      .lean();
    expect(ana?.mastery).to.equal(0.25);
    expect(ana?.course.title).to.equal('Algebra');
    expect(await Learner.countDocuments({ mastery: { $gt: 0.1 } })).to.equal(2);
    expect(await Learner.estimatedDocumentCount()).to.equal(2);
    const grouped = await Learner.aggregate<{ _id: null; avg: number }>([
      { $group: { _id: null, avg: { $avg: '$mastery' } } },
    ]);
    expect(grouped[0]?.avg).to.equal(0.375);
    const deleted = await Learner.deleteMany({ name: 'ben' });
    expect(deleted.deletedCount).to.equal(1);
  });

  it('unique schema indexes raise E11000 through mongoose; syncIndexes drops extras', async function () {
    const schema = new mongoose.Schema({ email: { type: String, unique: true } });
    const Account = conn().model('Account', schema, 'pw_accounts');
    await Account.init();
    await Account.create({ email: 'a@example.test' });
    try {
      await Account.create({ email: 'a@example.test' });
      expect.fail('expected a duplicate key error');
    } catch (error) {
      expect((error as { code?: number }).code).to.equal(11000);
      expect((error as { keyValue?: unknown }).keyValue).to.deep.equal({ email: 'a@example.test' });
    }
    await Account.collection.createIndex({ extra: 1 });
    const dropped = await Account.syncIndexes();
    expect(dropped).to.deep.equal(['extra_1']);
    const indexes: { name?: unknown }[] = await Account.listIndexes();
    expect(indexes.map((i) => i.name)).to.have.members(['_id_', 'email_1']);
  });

  it('embedded-only: a mongoose `expires` field becomes a TTL index the sweeper honours', async function () {
    const embedded = database?.embedded;
    if (usingRealMongo() || embedded === undefined) this.skip(); // needs the injectable clock and runTtl()
    const Session = conn().model(
      'Session',
      new mongoose.Schema({ token: String, createdAt: { type: Date, expires: 60 } }),
      'pw_sessions',
    );
    await Session.init();
    await Session.create({ token: 't', createdAt: new Date(embedded.clock.now()) });
    embedded.clock.advance(59_000);
    expect(embedded.runTtl()).to.equal(0);
    embedded.clock.advance(2_000);
    expect(embedded.runTtl()).to.equal(1);
    expect(await Session.countDocuments()).to.equal(0);
  });
});
