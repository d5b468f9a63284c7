// Raw wire protocol: OP_QUERY handshake, OP_MSG kind-1 document sequences, the checksum flag and
// moreToCome. Speaks directly to the server's socket, so it needs a URI without credentials.
import net from 'node:net';
import { expect } from 'chai';
import { deserialize, serialize, type Document } from 'bson';
import { closeHarness, openHarness, type Harness } from './helpers.js';

const OP_QUERY = 2004;
const OP_MSG = 2013;

function crc32c(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opQuery(requestId: number, command: Document): Buffer {
  const ns = Buffer.from('admin.$cmd\0');
  const body = Buffer.concat([
    Buffer.alloc(4),
    ns,
    Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from(serialize(command)),
  ]);
  return Buffer.concat([header(16 + body.length, requestId, OP_QUERY), body]);
}

function opMsg(
  requestId: number,
  body: Document,
  options: { sequence?: [string, Document[]]; checksum?: boolean; moreToCome?: boolean } = {},
): Buffer {
  const sections: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(body))];
  if (options.sequence !== undefined) {
    const [identifier, docs] = options.sequence;
    const payload = Buffer.concat([
      Buffer.from(`${identifier}\0`),
      ...docs.map((d) => Buffer.from(serialize(d))),
    ]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + payload.length, 0);
    sections.push(Buffer.from([1]), size, payload);
  }
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(
    (options.checksum === true ? 1 : 0) | (options.moreToCome === true ? 2 : 0),
    0,
  );
  const content = Buffer.concat([flags, ...sections]);
  const length = 16 + content.length + (options.checksum === true ? 4 : 0);
  const message = Buffer.concat([header(length, requestId, OP_MSG), content]);
  if (options.checksum !== true) return message;
  const sum = Buffer.alloc(4);
  sum.writeUInt32LE(crc32c(message), 0);
  return Buffer.concat([message, sum]);
}

class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: ((reply: { opCode: number; doc: Document }) => void) | undefined;
  private readonly socket: net.Socket;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
  }

  static open(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  send(message: Buffer): void {
    this.socket.write(message);
  }

  reply(message: Buffer): Promise<{ opCode: number; doc: Document }> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(message);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    if (this.buffer.length < 4) return;
    const length = this.buffer.readInt32LE(0);
    if (this.buffer.length < length) return;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    const opCode = message.readInt32LE(12);
    const docStart = opCode === 1 ? 36 : 21;
    const doc = deserialize(message.subarray(docStart));
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ opCode, doc });
  }
}

describe('embedded mongo conformance: wire protocol', function () {
  let h: Harness | undefined;
  let raw: RawConnection | undefined;

  before(async function () {
    h = await openHarness();
    const url = new URL(h.database.uri);
    if (url.username !== '' || url.hostname.includes(',')) this.skip(); // raw sockets cannot authenticate
    raw = await RawConnection.open(url.hostname, Number(url.port || 27017));
  });
  after(async function () {
    raw?.close();
    await closeHarness(h);
  });

  it('answers the legacy OP_QUERY ismaster handshake with OP_REPLY', async function () {
    const { opCode, doc } = await raw!.reply(opQuery(1, { ismaster: 1, helloOk: true }));
    expect(opCode).to.equal(1);
    expect(doc['ismaster']).to.equal(true);
    expect(doc['helloOk']).to.equal(true);
    expect(doc['maxWireVersion']).to.be.at.least(21);
  });

  it('accepts kind-1 document sequences and the checksum flag, and sends nothing for moreToCome', async function () {
    const dbName = h!.database.dbName;
    const insert = await raw!.reply(
      opMsg(
        2,
        { insert: 'seq', $db: dbName },
        {
          sequence: [
            'documents',
            [
              { _id: 1, v: 'a' },
              { _id: 2, v: 'b' },
            ],
          ],
          checksum: true,
        },
      ),
    );
    expect(insert.doc['ok']).to.equal(1);
    expect(insert.doc['n']).to.equal(2);
    raw!.send(
      opMsg(
        3,
        { insert: 'seq', $db: dbName, writeConcern: { w: 0 } },
        { sequence: ['documents', [{ _id: 3 }]], moreToCome: true },
      ),
    );
    const count = await raw!.reply(opMsg(4, { count: 'seq', $db: dbName }));
    expect(count.opCode).to.equal(OP_MSG);
    expect(count.doc['n']).to.equal(3);
  });

  it('w:0 writes through the driver are applied', async function () {
    const c = h!.db.collection('unacknowledged');
    await c.insertOne({ k: 1 }, { writeConcern: { w: 0 } });
    // Unacknowledged: the next read may travel on another pooled connection, so poll briefly.
    let count = 0;
    for (let attempt = 0; attempt < 50 && count === 0; attempt++) {
      count = await c.countDocuments({ k: 1 });
      if (count === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(count).to.equal(1);
  });
});
