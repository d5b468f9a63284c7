// Regular expressions as mongod answers them: prefix and case-insensitive matches, MongoDB's
// option letters (BSON `s` lets `.` match a newline), and the error code of an invalid pattern.
import { expect } from 'chai';
import { BSONRegExp } from 'bson';
import { closeHarness, expectCode, openHarness, type Harness } from './helpers.js';

interface Named {
  _id: number;
  name: string;
}

describe('embedded mongo conformance: regular expressions', function () {
  let h: Harness | undefined;
  const names = () => h!.db.collection<Named>('names');

  before(async function () {
    h = await openHarness();
    await names().insertMany([
      { _id: 1, name: 'Ada Lovelace' },
      { _id: 2, name: 'ada\nbyron' },
      { _id: 3, name: 'Grace Hopper' },
    ]);
  });
  after(async function () {
    await closeHarness(h);
  });

  const ids = async (filter: Record<string, unknown>): Promise<number[]> =>
    (await names().find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);

  it('an anchored prefix matches case-sensitively, and with the i option case-insensitively', async function () {
    expect(await ids({ name: { $regex: '^Ada' } })).to.deep.equal([1]);
    expect(await ids({ name: { $regex: '^ada', $options: 'i' } })).to.deep.equal([1, 2]);
    expect(await ids({ name: /^ADA/i })).to.deep.equal([1, 2]);
  });

  it('the BSON s option lets . match a newline; without it . stops at the newline', async function () {
    expect(await ids({ name: new BSONRegExp('^ada.byron$', 's') })).to.deep.equal([2]);
    expect(await ids({ name: new BSONRegExp('^ada.byron$', '') })).to.deep.equal([]);
    expect(await ids({ name: { $regex: '^ada.byron$', $options: 's' } })).to.deep.equal([2]);
  });

  it('$regexMatch with a literal pattern works in an aggregation', async function () {
    const rows = await names()
      .aggregate<{ m: boolean }>([
        { $sort: { _id: 1 } },
        { $project: { _id: 0, m: { $regexMatch: { input: '$name', regex: 'Hop' } } } },
      ])
      .toArray();
    expect(rows.map((r) => r.m)).to.deep.equal([false, false, true]);
  });

  it('an invalid pattern answers 51091', async function () {
    await expectCode(
      h!.db
        .collection('names')
        .find({ name: { $regex: '(' } })
        .toArray(),
      51091,
    );
  });
});
