// Wire framing: OP_QUERY (only for the legacy handshake), OP_MSG with kind-0 body and kind-1
// document sequences, the checksum flag, and `moreToCome` (fire-and-forget writes get no reply).
import { deserialize, serialize } from 'bson';
import type { Document } from './values.js';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;
const EXHAUST_ALLOWED = 1 << 16;

export interface IncomingCommand {
  requestId: number;
  opCode: typeof OP_QUERY | typeof OP_MSG;
  command: Document;
  /** The client expects no reply (OP_MSG moreToCome). */
  noReply: boolean;
}

const deserializeOptions = {
  promoteLongs: true,
  promoteValues: true,
  promoteBuffers: false,
} as const;

export class WireProtocolError extends Error {}

/** Splits complete messages off the front of `buffer`; returns them and the unconsumed rest. */
export function splitMessages(
  buffer: Buffer,
  maxSize: number,
): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset);
    if (length < 16 || length > maxSize)
      throw new WireProtocolError(`invalid message length ${length}`);
    if (buffer.length - offset < length) break;
    messages.push(buffer.subarray(offset, offset + length));
    offset += length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

export function parseMessage(message: Buffer): IncomingCommand {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return { requestId, opCode, ...parseOpMsg(message) };
  if (opCode === OP_QUERY)
    return { requestId, opCode, command: parseOpQuery(message), noReply: false };
  if (opCode === OP_COMPRESSED)
    throw new WireProtocolError('compression is not supported (advertised none)');
  throw new WireProtocolError(`unsupported opCode ${opCode}`);
}

function parseOpMsg(message: Buffer): { command: Document; noReply: boolean } {
  const flags = message.readUInt32LE(16);
  if (flags & ~(CHECKSUM_PRESENT | MORE_TO_COME | EXHAUST_ALLOWED) & 0xffff) {
    throw new WireProtocolError(`unknown required OP_MSG flag bits ${flags}`);
  }
  // The CRC-32C trailer is not verified: loopback TCP already guarantees integrity.
  const end = flags & CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = 20;
  let body: Document | undefined;
  const sequences: [string, Document[]][] = [];
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      body = deserialize(message.subarray(offset, offset + size), deserializeOptions);
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      let cursor = offset + 4;
      const nul = message.indexOf(0, cursor);
      const identifier = message.toString('utf8', cursor, nul);
      cursor = nul + 1;
      const docs: Document[] = [];
      while (cursor < sectionEnd) {
        const docSize = message.readInt32LE(cursor);
        docs.push(deserialize(message.subarray(cursor, cursor + docSize), deserializeOptions));
        cursor += docSize;
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (body === undefined) throw new WireProtocolError('OP_MSG without a body section');
  for (const [identifier, docs] of sequences) body[identifier] = docs;
  return { command: body, noReply: (flags & MORE_TO_COME) !== 0 };
}

function parseOpQuery(message: Buffer): Document {
  let offset = 20;
  const nul = message.indexOf(0, offset);
  const collection = message.toString('utf8', offset, nul);
  offset = nul + 1 + 8; // numberToSkip, numberToReturn
  const size = message.readInt32LE(offset);
  let query = deserialize(message.subarray(offset, offset + size), deserializeOptions);
  // Drivers may wrap the command as { $query: {...}, $readPreference }.
  if (typeof query['$query'] === 'object' && query['$query'] !== null)
    query = query['$query'] as Document;
  const db = collection.endsWith('.$cmd') ? collection.slice(0, -5) : collection;
  return { ...query, $db: db };
}

const serializeOptions = { ignoreUndefined: true, checkKeys: false } as const;

export function encodeReply(
  requestId: number,
  responseTo: number,
  opCode: number,
  reply: Document,
): Buffer {
  const body = serialize(reply, serializeOptions);
  if (opCode === OP_QUERY) {
    const header = Buffer.alloc(36);
    header.writeInt32LE(36 + body.length, 0);
    header.writeInt32LE(requestId, 4);
    header.writeInt32LE(responseTo, 8);
    header.writeInt32LE(OP_REPLY, 12);
    header.writeInt32LE(0, 16); // responseFlags
    header.writeBigInt64LE(0n, 20); // cursorID
    header.writeInt32LE(0, 28); // startingFrom
    header.writeInt32LE(1, 32); // numberReturned
    return Buffer.concat([header, body]);
  }
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, body]);
}
