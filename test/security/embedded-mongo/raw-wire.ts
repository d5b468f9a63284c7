// Raw-socket helpers for the wire attack tests: hand-built frames (well-formed or not) and a client
// that reports replies and the moment the server closes the connection.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { deserialize, serialize, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return b;
}

export function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}

export function bson(doc: Document): Buffer {
  return Buffer.from(serialize(doc));
}

/** A message with a header whose length is the real one unless `length` lies about it. */
export function frame(
  opCode: number,
  payload: Buffer,
  options: { requestId?: number; length?: number } = {},
): Buffer {
  const header = Buffer.concat([
    int32(options.length ?? 16 + payload.length),
    int32(options.requestId ?? 1),
    int32(0),
    int32(opCode),
  ]);
  return Buffer.concat([header, payload]);
}

/** OP_MSG with flag bits and already-encoded sections (kind byte included). */
export function opMsgRaw(
  sections: Buffer[],
  options: { flags?: number; requestId?: number; length?: number } = {},
): Buffer {
  return frame(OP_MSG, Buffer.concat([uint32(options.flags ?? 0), ...sections]), options);
}

export function bodySection(doc: Document | Buffer): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.isBuffer(doc) ? doc : bson(doc)]);
}

export function sequenceSection(identifier: string, docs: Buffer[], size?: number): Buffer {
  const payload = Buffer.concat([Buffer.from(`${identifier}\0`), ...docs]);
  return Buffer.concat([Buffer.from([1]), int32(size ?? 4 + payload.length), payload]);
}

export function opMsg(body: Document, requestId = 1): Buffer {
  return opMsgRaw([bodySection(body)], { requestId });
}

export function opQueryRaw(namespace: Buffer, query: Buffer, requestId = 1): Buffer {
  return frame(OP_QUERY, Buffer.concat([int32(0), namespace, int32(0), int32(-1), query]), {
    requestId,
  });
}

export interface Reply {
  opCode: number;
  responseTo: number;
  doc: Document;
}

export class RawClient {
  readonly closed: Promise<void>;
  private readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly replies: Reply[] = [];
  private waiting: ((reply: Reply | undefined) => void) | undefined;
  private isClosed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.drain();
    });
    // The server closing on us makes later writes fail with EPIPE/ECONNRESET: that is expected.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        this.waiting?.(undefined);
        this.waiting = undefined;
        resolve();
      });
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get hasClosed(): boolean {
    return this.isClosed;
  }

  /** Writes and resolves once the bytes are handed to the kernel (or the socket is gone). */
  send(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.isClosed || this.socket.destroyed) {
        resolve();
        return;
      }
      this.socket.write(bytes, () => {
        resolve();
      });
    });
  }

  /** The next reply, or undefined when the server closes the connection first. */
  next(): Promise<Reply | undefined> {
    const ready = this.replies.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.isClosed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  async request(bytes: Buffer): Promise<Reply | undefined> {
    const reply = this.next();
    await this.send(bytes);
    return reply;
  }

  /** Stops reading replies (they pile up on the server's side), or starts again. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Waits for `count` replies. */
  async collect(count: number): Promise<Reply[]> {
    const replies: Reply[] = [];
    while (replies.length < count) {
      const reply = await this.next();
      if (reply === undefined) break;
      replies.push(reply);
    }
    return replies;
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    while (this.buffered >= 4) {
      if ((this.chunks[0]?.length ?? 0) < 4) this.join();
      const length = this.chunks[0]!.readInt32LE(0);
      if (this.buffered < length) return;
      if (this.chunks[0]!.length < length) this.join();
      const all = this.chunks[0]!;
      const message = all.subarray(0, length);
      const rest = all.subarray(length);
      this.chunks.shift();
      if (rest.length > 0) this.chunks.unshift(rest);
      this.buffered -= length;
      const opCode = message.readInt32LE(12);
      const doc = deserialize(message.subarray(opCode === OP_REPLY ? 36 : 21));
      const reply = { opCode, responseTo: message.readInt32LE(8), doc };
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting !== undefined) waiting(reply);
      else this.replies.push(reply);
    }
  }

  private join(): void {
    this.chunks = [Buffer.concat(this.chunks, this.buffered)];
  }
}

/** Resolves true if the connection closes within `ms`, false if it is still open then. */
export async function closesWithin(client: RawClient, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, ms);
  });
  const result = await Promise.race([client.closed.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

/** Pings on the given connection (or a fresh one) and checks it answers ok within `budgetMs`. */
export async function expectPingWithin(
  port: number,
  budgetMs: number,
  client?: RawClient,
): Promise<number> {
  const started = performance.now();
  const connection = client ?? (await RawClient.open(port));
  try {
    const reply = await connection.request(opMsg({ ping: 1, $db: 'admin' }, 4242));
    const elapsed = performance.now() - started;
    expect(reply, 'the server closed the connection instead of answering ping').to.not.equal(
      undefined,
    );
    expect(reply?.doc['ok']).to.equal(1);
    expect(reply?.responseTo).to.equal(4242);
    expect(elapsed, `ping took ${elapsed.toFixed(1)} ms`).to.be.below(budgetMs);
    return elapsed;
  } finally {
    if (client === undefined) connection.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
