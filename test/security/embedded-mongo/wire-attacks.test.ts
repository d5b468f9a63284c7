// Hostile clients against the embedded MongoDB-wire-compatible server: malformed frames, oversized
// and never-finished frames, memory held by idle connections, and catastrophic regexes. Each attack
// is followed by proof that the server is still up and answers other clients quickly.
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { BSONRegExp } from 'bson';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../src/dev/embedded-mongo/index.js';
import {
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  OP_REPLY,
  RawClient,
  bodySection,
  bson,
  closesWithin,
  expectPingWithin,
  frame,
  int32,
  opMsg,
  opMsgRaw,
  opQueryRaw,
  sequenceSection,
  sleep,
} from './raw-wire.js';

const { MongoClient, MongoServerError } = mongoose.mongo;

/** How fast the server must answer a bystander after an attack. */
const PING_BUDGET_MS = 200;
const MAX_MESSAGE_SIZE = 48_000_000;
const MiB = 1024 * 1024;

const ping = { ping: 1, $db: 'admin' };

function patched(doc: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(doc);
  copy.writeInt32LE(value, offset);
  return copy;
}

function nested(depth: number): Record<string, unknown> {
  let doc: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) doc = { d: doc };
  return doc;
}

/** The OP_MSG from the issue: a body, then a kind-1 section announcing size -1; 60 bytes. */
function minusOneSection(flags = 0): Buffer {
  const message = opMsgRaw([bodySection(ping), Buffer.from([1]), int32(-1), Buffer.alloc(4)], {
    flags,
    requestId: 7,
  });
  expect(message.length).to.equal(60);
  return message;
}

type Outcome = { answers: number } | 'closes';

const malformed: [string, () => Buffer, Outcome][] = [
  [
    'an OP_MSG kind-1 section with size -1 (the 60-byte frame)',
    () => minusOneSection(),
    { answers: 15 },
  ],
  [
    'a kind-1 section with size 0',
    () => opMsgRaw([bodySection(ping), Buffer.from([1]), int32(0)]),
    { answers: 15 },
  ],
  [
    'a kind-1 section too small for its identifier (size 4)',
    () => opMsgRaw([bodySection(ping), Buffer.from([1]), int32(4), Buffer.from('ab')]),
    { answers: 15 },
  ],
  [
    'a kind-1 section announcing more bytes than the message holds',
    () => opMsgRaw([bodySection(ping), sequenceSection('documents', [bson({ a: 1 })], 10_000)]),
    { answers: 15 },
  ],
  [
    'a kind-1 identifier with no NUL inside its section',
    () => opMsgRaw([bodySection(ping), sequenceSection('documents', [bson({ a: 1 })], 8)]),
    { answers: 15 },
  ],
  [
    'a kind-1 document with length -1',
    () => opMsgRaw([bodySection(ping), sequenceSection('documents', [int32(-1), Buffer.alloc(8)])]),
    { answers: 22 },
  ],
  [
    'a kind-1 document longer than its section',
    () =>
      opMsgRaw([
        bodySection(ping),
        sequenceSection('documents', [patched(bson({ a: 1 }), 0, 500)]),
        bodySection(ping).subarray(1),
      ]),
    { answers: 22 },
  ],
  [
    'a body whose BSON length is -1',
    () => opMsgRaw([bodySection(patched(bson(ping), 0, -1))]),
    { answers: 22 },
  ],
  [
    'a body whose BSON length is 2^31 - 1',
    () => opMsgRaw([bodySection(patched(bson(ping), 0, 0x7fffffff))]),
    { answers: 22 },
  ],
  [
    'a body whose BSON length is below the 5-byte minimum',
    () => opMsgRaw([bodySection(patched(bson(ping), 0, 4))]),
    { answers: 22 },
  ],
  [
    'a nested document whose length runs past its parent',
    () => opMsgRaw([bodySection(patched(bson({ ping: 1, a: { b: 1 } }), 17, 1000))]),
    { answers: 22 },
  ],
  [
    'a string whose length runs past its document',
    () => opMsgRaw([bodySection(patched(bson({ $db: 'admin' }), 9, 1000))]),
    { answers: 22 },
  ],
  [
    'an element of an unknown BSON type',
    () => {
      const doc = bson({ ping: 1, $db: 'admin' });
      doc[4] = 0x42;
      return opMsgRaw([bodySection(doc)]);
    },
    { answers: 22 },
  ],
  [
    'documents nested 300 levels deep',
    () => opMsgRaw([bodySection({ ping: 1, $db: 'admin', x: nested(300) })]),
    { answers: 15 },
  ],
  [
    'an unknown section kind',
    () => opMsgRaw([bodySection(ping), Buffer.from([7, 0, 0])]),
    { answers: 40432 },
  ],
  ['two body sections', () => opMsgRaw([bodySection(ping), bodySection(ping)]), { answers: 40430 }],
  [
    'document sequences without a body',
    () => opMsgRaw([sequenceSection('documents', [bson({ a: 1 })])]),
    { answers: 40587 },
  ],
  [
    'a sequence identifier that is also a body field',
    () =>
      opMsgRaw([
        bodySection({ insert: 'c', documents: [], $db: 'x' }),
        sequenceSection('documents', [bson({ a: 1 })]),
      ]),
    { answers: 40433 },
  ],
  [
    'the same sequence identifier twice',
    () =>
      opMsgRaw([
        bodySection({ insert: 'c', $db: 'x' }),
        sequenceSection('documents', [bson({ a: 1 })]),
        sequenceSection('documents', [bson({ a: 2 })]),
      ]),
    { answers: 40431 },
  ],
  [
    'an OP_MSG too short to hold its flag bits',
    () => frame(OP_MSG, Buffer.from([0, 0])),
    { answers: 15 },
  ],
  [
    'the checksum flag on a message too short for a checksum',
    () => opMsgRaw([], { flags: 1 }),
    { answers: 15 },
  ],
  [
    'an OP_QUERY namespace with no NUL',
    () => frame(OP_QUERY, Buffer.concat([int32(0), Buffer.from('admin.$cmd')])),
    { answers: 15 },
  ],
  [
    'an OP_QUERY query document longer than the message',
    () => opQueryRaw(Buffer.from('admin.$cmd\0'), patched(bson({ ismaster: 1 }), 0, 900)),
    { answers: 22 },
  ],
  [
    'three document sequences (connection-fatal in mongod)',
    () =>
      opMsgRaw([
        bodySection({ insert: 'c', $db: 'x' }),
        sequenceSection('a', [bson({ a: 1 })]),
        sequenceSection('b', [bson({ a: 1 })]),
        sequenceSection('c', [bson({ a: 1 })]),
      ]),
    'closes',
  ],
  [
    'an unknown required flag bit',
    () => opMsgRaw([bodySection(ping)], { flags: 1 << 3 }),
    'closes',
  ],
  [
    'a checksum that does not match the contents',
    () =>
      Buffer.concat([
        opMsgRaw([bodySection(ping)], { flags: 1, length: 16 + 4 + 31 + 4 }),
        int32(1234),
      ]),
    'closes',
  ],
  ['a header length below 16', () => Buffer.concat([int32(5), Buffer.alloc(12)]), 'closes'],
  ['a negative header length', () => Buffer.concat([int32(-1), Buffer.alloc(12)]), 'closes'],
  [
    'an OP_COMPRESSED message (compression was not offered)',
    () => frame(OP_COMPRESSED, Buffer.alloc(9)),
    'closes',
  ],
  ['a legacy OP_INSERT message', () => frame(2002, Buffer.alloc(9)), 'closes'],
];

describe('embedded mongo security: hostile wire clients', function () {
  this.timeout(10_000);

  describe('malformed frames', function () {
    let server: EmbeddedMongo;
    let bystander: RawClient;

    before(async function () {
      server = await startEmbeddedMongo();
      bystander = await RawClient.open(server.port);
      await expectPingWithin(server.port, PING_BUDGET_MS, bystander);
    });
    after(async function () {
      bystander.close();
      await server.close();
    });

    for (const [what, build, outcome] of malformed) {
      const expectation =
        outcome === 'closes' ? 'closes that connection' : `answers code ${outcome.answers} on it`;
      it(`${what} ${expectation}; other connections keep answering`, async function () {
        const attacker = await RawClient.open(server.port);
        try {
          if (outcome === 'closes') {
            await attacker.send(build());
            expect(await closesWithin(attacker, PING_BUDGET_MS), 'connection still open').to.equal(
              true,
            );
          } else {
            const reply = await attacker.request(build());
            expect(reply, 'the server closed the connection instead of answering').to.not.equal(
              undefined,
            );
            expect(reply?.doc['ok']).to.equal(0);
            expect(reply?.doc['code'], String(reply?.doc['errmsg'])).to.equal(outcome.answers);
            // The framing is intact, so the same connection goes on working.
            await expectPingWithin(server.port, PING_BUDGET_MS, attacker);
          }
        } finally {
          attacker.close();
        }
        await expectPingWithin(server.port, PING_BUDGET_MS, bystander);
        await expectPingWithin(server.port, PING_BUDGET_MS);
      });
    }

    it('a malformed fire-and-forget (moreToCome) frame gets no reply, and the connection goes on', async function () {
      const attacker = await RawClient.open(server.port);
      try {
        await attacker.send(minusOneSection(2));
        const reply = await attacker.request(opMsg(ping, 99));
        expect(reply?.responseTo).to.equal(99);
        expect(reply?.doc['ok']).to.equal(1);
      } finally {
        attacker.close();
      }
    });

    it('an OP_QUERY parse error is answered with OP_REPLY', async function () {
      const attacker = await RawClient.open(server.port);
      try {
        const reply = await attacker.request(
          frame(OP_QUERY, Buffer.concat([int32(0), Buffer.from('admin.$cmd')]), { requestId: 5 }),
        );
        expect(reply?.opCode).to.equal(OP_REPLY);
        expect(reply?.responseTo).to.equal(5);
      } finally {
        attacker.close();
      }
    });
  });

  describe('message size limit (maxMessageSizeBytes 48,000,000)', function () {
    let server: EmbeddedMongo;

    before(async function () {
      server = await startEmbeddedMongo();
    });
    after(async function () {
      await server.close();
    });

    it('a header announcing 48,000,001 bytes closes the connection at once, before any body is sent', async function () {
      const attacker = await RawClient.open(server.port);
      await attacker.send(frame(OP_MSG, Buffer.alloc(0), { length: MAX_MESSAGE_SIZE + 1 }));
      expect(await closesWithin(attacker, PING_BUDGET_MS)).to.equal(true);
      await expectPingWithin(server.port, PING_BUDGET_MS);
    });

    it('a header announcing exactly 48,000,000 bytes is accepted and waits for its body', async function () {
      const client = await RawClient.open(server.port);
      try {
        await client.send(frame(OP_MSG, Buffer.alloc(0), { length: MAX_MESSAGE_SIZE }));
        expect(await closesWithin(client, 150)).to.equal(false);
        await expectPingWithin(server.port, PING_BUDGET_MS);
      } finally {
        client.close();
      }
    });
  });

  describe('partial-frame timeout', function () {
    const timeoutMs = 300;
    let server: EmbeddedMongo;

    before(async function () {
      server = await startEmbeddedMongo({ partialFrameTimeoutMs: timeoutMs });
    });
    after(async function () {
      await server.close();
    });

    it('a frame left incomplete is closed once partialFrameTimeoutMs has passed', async function () {
      const attacker = await RawClient.open(server.port);
      const message = opMsg({ insert: 'c', documents: [{ s: 'x'.repeat(1000) }], $db: 'slow' });
      await attacker.send(message.subarray(0, 100));
      expect(await closesWithin(attacker, timeoutMs / 2), 'closed too early').to.equal(false);
      expect(await closesWithin(attacker, timeoutMs * 2), 'never closed').to.equal(true);
      await expectPingWithin(server.port, PING_BUDGET_MS);
    });

    it('trickling a byte at a time does not extend the deadline (slow loris)', async function () {
      const attacker = await RawClient.open(server.port);
      const message = opMsg({ insert: 'c', documents: [{ s: 'x'.repeat(1000) }], $db: 'slow' });
      const started = performance.now();
      for (let i = 0; i < message.length - 1 && !attacker.hasClosed; i++) {
        await attacker.send(message.subarray(i, i + 1));
        await sleep(20);
      }
      await attacker.closed;
      const elapsed = performance.now() - started;
      expect(elapsed).to.be.within(timeoutMs * 0.8, timeoutMs * 3);
      await expectPingWithin(server.port, PING_BUDGET_MS);
    });

    it('idle connections between frames are never timed out, and each frame gets its own allowance', async function () {
      const client = await RawClient.open(server.port);
      try {
        await expectPingWithin(server.port, PING_BUDGET_MS, client);
        await sleep(timeoutMs * 1.5);
        for (let round = 0; round < 2; round++) {
          // Each frame takes ~2/3 of the allowance; together they take longer than one allowance.
          const message = opMsg(ping, 100 + round);
          const reply = client.next();
          await client.send(message.subarray(0, 10));
          await sleep(timeoutMs * 0.6);
          await client.send(message.subarray(10));
          expect((await reply)?.responseTo).to.equal(100 + round);
        }
        expect(client.hasClosed).to.equal(false);
      } finally {
        client.close();
      }
    });

    it('rejects a partialFrameTimeoutMs that is not a positive integer', async function () {
      let failure: unknown;
      try {
        await startEmbeddedMongo({ partialFrameTimeoutMs: 0 });
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(RangeError);
    });
  });

  describe('buffering and the memory held by incomplete frames', function () {
    it('a 32 MB insert trickled in 64 KiB chunks is accepted in well under a second (linear buffering)', async function () {
      const server = await startEmbeddedMongo();
      const client = await RawClient.open(server.port);
      try {
        const documents = Array.from({ length: 32 }, (_, i) =>
          bson({ _id: i, s: 'x'.repeat(MiB - 40) }),
        );
        const message = opMsgRaw(
          [bodySection({ insert: 'big', $db: 'trickle' }), sequenceSection('documents', documents)],
          { requestId: 9 },
        );
        expect(message.length).to.be.above(32 * MiB - 4096);
        const started = performance.now();
        const reply = client.next();
        for (let offset = 0; offset < message.length; offset += 64 * 1024) {
          await client.send(message.subarray(offset, offset + 64 * 1024));
        }
        const answer = await reply;
        const elapsed = performance.now() - started;
        expect(answer?.doc['ok']).to.equal(1);
        expect(answer?.doc['n']).to.equal(32);
        // Concatenating on every chunk took 5.4 s here (quadratic); one join at the end takes ~0.2 s.
        expect(elapsed, `took ${elapsed.toFixed(0)} ms`).to.be.below(1000);
      } finally {
        client.close();
        await server.close();
      }
    });

    it('idle connections holding incomplete 16 MiB frames cannot go past maxPartialFrameBytes; a ping stays fast', async function () {
      const budget = 48 * MiB;
      const server = await startEmbeddedMongo({ maxPartialFrameBytes: budget });
      const announced = 16 * MiB;
      const body = Buffer.alloc(12 * MiB, 0x61); // sent, never completed
      const attackers = await Promise.all(
        Array.from({ length: 8 }, () => RawClient.open(server.port)),
      );
      try {
        const baseline = process.memoryUsage().arrayBuffers;
        for (const attacker of attackers) {
          await attacker.send(frame(OP_MSG, Buffer.alloc(0), { length: announced }));
          await attacker.send(body);
        }
        await sleep(100);
        const open = attackers.filter((a) => !a.hasClosed).length;
        // 3 × 16 MiB fit in 48 MiB; the other five are closed as their headers arrive.
        expect(open).to.equal(3);
        const held = process.memoryUsage().arrayBuffers - baseline;
        expect(held, `${(held / MiB).toFixed(0)} MiB held`).to.be.below(3 * 12 * MiB + 24 * MiB);
        await expectPingWithin(server.port, PING_BUDGET_MS);

        // Closing the holders returns their share: a new big frame is accepted again.
        for (const attacker of attackers) attacker.close();
        await Promise.all(attackers.map((a) => a.closed));
        await sleep(20);
        const next = await RawClient.open(server.port);
        try {
          await next.send(frame(OP_MSG, Buffer.alloc(0), { length: announced }));
          expect(await closesWithin(next, 150)).to.equal(false);
          await expectPingWithin(server.port, PING_BUDGET_MS);
        } finally {
          next.close();
        }
      } finally {
        for (const attacker of attackers) attacker.close();
        await server.close();
      }
    });
  });

  describe('replies a client never reads', function () {
    it('pipelined finds from a client that does not read are held back, not buffered without bound', async function () {
      const server = await startEmbeddedMongo();
      const loader = new MongoClient(`${server.uri}backpressure`);
      const reader = await RawClient.open(server.port);
      try {
        await loader.connect();
        await loader
          .db()
          .collection('big')
          .insertOne({ s: 'x'.repeat(MiB) });
        const count = 64; // 64 replies of 1 MiB each
        const finds = Buffer.concat(
          Array.from({ length: count }, (_, i) =>
            opMsg({ find: 'big', filter: {}, $db: 'backpressure' }, 1000 + i),
          ),
        );
        reader.pause();
        const baseline = process.memoryUsage().arrayBuffers;
        await reader.send(finds);
        await sleep(200);
        const held = process.memoryUsage().arrayBuffers - baseline;
        expect(held, `${(held / MiB).toFixed(0)} MiB of replies held`).to.be.below(24 * MiB);
        await expectPingWithin(server.port, PING_BUDGET_MS);
        reader.resume();
        const replies = await reader.collect(count);
        expect(replies.map((r) => r.responseTo)).to.deep.equal(
          Array.from({ length: count }, (_, i) => 1000 + i),
        );
      } finally {
        reader.close();
        await loader.close();
        await server.close();
      }
    });
  });

  describe('catastrophic regular expressions', function () {
    let server: EmbeddedMongo;
    let client: InstanceType<typeof MongoClient>;

    before(async function () {
      server = await startEmbeddedMongo();
      client = new MongoClient(`${server.uri}regex`);
      await client.connect();
      await strings().insertMany([
        { _id: 1, s: `${'a'.repeat(5000)}b`, pattern: '^(a+)+$' },
        { _id: 2, s: 'aaa\nbbb', pattern: '^a' },
      ]);
    });
    after(async function () {
      await client.close();
      await server.close();
    });

    function strings() {
      return client.db().collection<{ _id: number; s: string; pattern: string }>('strings');
    }

    async function expectRefused(run: () => Promise<unknown>, code: number): Promise<void> {
      const started = performance.now();
      let failure: unknown;
      try {
        await run();
      } catch (error) {
        failure = error;
      }
      const elapsed = performance.now() - started;
      expect(failure, 'the command was not refused').to.be.instanceOf(MongoServerError);
      expect((failure as InstanceType<typeof MongoServerError>).code, String(failure)).to.equal(
        code,
      );
      expect(elapsed, `refusal took ${elapsed.toFixed(0)} ms`).to.be.below(PING_BUDGET_MS);
      await expectPingWithin(server.port, PING_BUDGET_MS);
    }

    const refusedFilters: [string, Record<string, unknown>][] = [
      ['$regex "^(a+)+$" (nested quantifiers)', { s: { $regex: '^(a+)+$' } }],
      ['a BSON regex /^(a+)+$/', { s: /^(a+)+$/ }],
      ['$regex "^(a|a)+$" (repeated alternation)', { s: { $regex: '^(a|a)+$' } }],
      ['$regex "a*a*x" (cubic)', { s: { $regex: 'a*a*x' } }],
      ['$regex ".*x" (unanchored: quadratic)', { s: { $regex: '.*x' } }],
      ['$regex "^(a)\\1" (backreference)', { s: { $regex: '^(a)\\1' } }],
      ['$regex longer than 1,000 characters', { s: { $regex: 'a'.repeat(1001) } }],
      ['$in with a nested-quantifier regex', { s: { $in: [/^(a+)+$/] } }],
      ['$not with a nested-quantifier regex', { s: { $not: /^(a*)*$/ } }],
    ];
    for (const [what, filter] of refusedFilters) {
      it(`find with ${what} is refused with BadValue at once; the server keeps answering`, async function () {
        await expectRefused(() => strings().find(filter).toArray(), 2);
      });
    }

    it('$regexMatch with a nested-quantifier regex is refused with BadValue', async function () {
      await expectRefused(
        () =>
          strings()
            .aggregate([{ $match: { $expr: { $regexMatch: { input: '$s', regex: '^(a+)+$' } } } }])
            .toArray(),
        2,
      );
    });

    it('$regexMatch with a regex taken from the documents is refused with NotImplemented', async function () {
      await expectRefused(
        () =>
          strings()
            .aggregate([{ $match: { $expr: { $regexMatch: { input: '$s', regex: '$pattern' } } } }])
            .toArray(),
        115,
      );
    });

    it('$dateFromString with regex syntax in its format is refused with NotImplemented', async function () {
      await expectRefused(
        () =>
          strings()
            .aggregate([
              {
                $project: {
                  d: { $dateFromString: { dateString: '$s', format: '%Y(a+)+(a+)+%m%d' } },
                },
              },
            ])
            .toArray(),
        115,
      );
    });

    it('an invalid pattern answers 51091, like mongod', async function () {
      await expectRefused(
        () =>
          strings()
            .find({ s: { $regex: '(' } })
            .toArray(),
        51091,
      );
    });

    it('bounded patterns still match: anchored prefix, case-insensitive, the s option', async function () {
      expect(await strings().countDocuments({ s: { $regex: '^aaa' } })).to.equal(2);
      expect(await strings().countDocuments({ s: /^A{3}.*b$/i })).to.equal(1);
      expect(await strings().countDocuments({ s: new BSONRegExp('^aaa.bbb$', 's') })).to.equal(1);
      const [row] = await strings()
        .aggregate([
          { $match: { _id: 2 } },
          { $project: { m: { $regexMatch: { input: '$s', regex: 'b{3}' } } } },
        ])
        .toArray();
      expect(row?.['m']).to.equal(true);
    });
  });
});
