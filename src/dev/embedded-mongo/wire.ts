// Wire framing: OP_QUERY (only for the legacy handshake), OP_MSG with kind-0 body and kind-1
// document sequences, the checksum flag, and `moreToCome` (fire-and-forget writes get no reply).
//
// Every length a peer sends is checked against the bytes that actually carry it before it is used:
// the header length (16 bytes up to maxMessageSizeBytes), each OP_MSG section, the kind-1 size and
// identifier, the OP_QUERY namespace and query, and every BSON length nested inside a document.
// Errors that leave the framing intact are answered like mongod answers them (an `ok: 0` reply on
// the same connection); errors mongod treats as connection-fatal, and anything that breaks the
// framing, close the connection. Neither ever touches another connection.
import { deserialize, serialize } from 'bson';
import { ErrorCode, codeNameOf } from './errors.js';
import type { Document } from './values.js';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

const HEADER_SIZE = 16;
const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;
const EXHAUST_ALLOWED = 1 << 16;
const MIN_BSON_SIZE = 5;
/** mongod's BSONObjMaxInternalSize: 16 MB plus 16 KB of headroom for command wrappers. */
const MAX_BSON_SIZE = 16 * 1024 * 1024 + 16 * 1024;
/** mongod's default BSON nesting limit (BSONDepth::kDefaultMaxAllowableDepth). */
const MAX_BSON_DEPTH = 200;
/** mongod accepts at most two kind-1 sections (client-level bulkWrite sends `ops` and `nsInfo`). */
const MAX_DOCUMENT_SEQUENCES = 2;

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
  // Regexes stay BSONRegExp here so that their options keep MongoDB's meaning (js-bson would turn
  // BSON `s` into the JS `g` flag); regex.ts converts and vets them before anything runs them.
  bsonRegExp: true,
} as const;

export interface WireProtocolErrorOptions {
  /** MongoDB error code for the reply or the log line. */
  code: number;
  /** Close the connection instead of answering (framing lost, or connection-fatal in mongod). */
  fatal: boolean;
  /** Set when the message was framed well enough to address a reply to it. */
  reply?: { requestId: number; opCode: number; noReply: boolean };
}

export class WireProtocolError extends Error {
  readonly code: number;
  readonly fatal: boolean;
  readonly reply: { requestId: number; opCode: number; noReply: boolean } | undefined;

  constructor(message: string, options: WireProtocolErrorOptions) {
    super(message);
    this.name = 'WireProtocolError';
    this.code = options.code;
    this.fatal = options.fatal;
    this.reply = options.reply;
  }

  toReply(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: codeNameOf(this.code) };
  }
}

function framingError(message: string): WireProtocolError {
  return new WireProtocolError(message, { code: ErrorCode.ProtocolError, fatal: true });
}

/**
 * Splits a byte stream into messages. Chunks of an incomplete message are kept in a list and
 * joined once, when the last byte arrives, so a frame trickled in N chunks costs O(size) rather
 * than the O(N · size) of concatenating on every chunk. The header is checked as soon as its first
 * four bytes are in, so an oversized announcement is refused before any of its body is buffered.
 */
export class MessageFramer {
  private readonly maxMessageSize: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private announced = 0;
  private completedCount = 0;

  constructor(maxMessageSize: number) {
    this.maxMessageSize = maxMessageSize;
  }

  /** Bytes held for the incomplete message (0 when the stream is between messages). */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Length announced by the incomplete message's header, 0 until its four length bytes are in. */
  get pendingLength(): number {
    return this.announced;
  }

  /** How many messages have been completed so far: tells one partial frame from the next. */
  get completed(): number {
    return this.completedCount;
  }

  /** Adds a chunk; returns the messages it completes. Throws a fatal WireProtocolError on a bad header. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    if (this.buffered === 0) return this.split(chunk, false);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.announced === 0 && this.buffered >= 4)
      this.announced = this.checkLength(this.peekLength());
    if (this.announced === 0 || this.buffered < this.announced) return [];
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.reset();
    return this.split(joined, true);
  }

  /** Drops whatever is buffered (the connection is going away). */
  clear(): void {
    this.reset();
  }

  private split(buffer: Buffer, joined: boolean): Buffer[] {
    const messages: Buffer[] = [];
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const length = this.checkLength(buffer.readInt32LE(offset));
      if (buffer.length - offset < length) break;
      messages.push(buffer.subarray(offset, offset + length));
      offset += length;
    }
    this.completedCount += messages.length;
    if (offset < buffer.length) {
      // A tail cut from a joined frame is copied so the (possibly 48 MB) joined buffer can be freed.
      const tail = joined ? Buffer.from(buffer.subarray(offset)) : buffer.subarray(offset);
      this.chunks = [tail];
      this.buffered = tail.length;
      this.announced = tail.length >= 4 ? tail.readInt32LE(0) : 0;
    }
    return messages;
  }

  private checkLength(length: number): number {
    if (length < HEADER_SIZE || length > this.maxMessageSize) {
      throw framingError(
        `recv(): message msgLen ${length} is invalid. Min ${HEADER_SIZE} Max: ${this.maxMessageSize}`,
      );
    }
    return length;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= 4) return first.readInt32LE(0);
    const head = Buffer.alloc(4);
    let filled = 0;
    for (const chunk of this.chunks) {
      filled += chunk.copy(head, filled, 0, Math.min(chunk.length, 4 - filled));
      if (filled === 4) break;
    }
    return head.readInt32LE(0);
  }

  private reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.announced = 0;
  }
}

/** Parses one complete message (as cut by MessageFramer: its length field is already checked). */
export function parseMessage(message: Buffer): IncomingCommand {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return { requestId, opCode, ...parseOpMsg(message, requestId) };
  if (opCode === OP_QUERY) {
    const reply = { requestId, opCode, noReply: false };
    return { requestId, opCode, command: parseOpQuery(message, reply), noReply: false };
  }
  if (opCode === OP_COMPRESSED) {
    throw new WireProtocolError('compression is not supported (advertised none)', {
      code: ErrorCode.ProtocolError,
      fatal: true,
    });
  }
  throw new WireProtocolError(`unsupported opCode ${opCode}`, {
    code: ErrorCode.ProtocolError,
    fatal: true,
  });
}

function parseOpMsg(message: Buffer, requestId: number): { command: Document; noReply: boolean } {
  const reply = { requestId, opCode: OP_MSG, noReply: false };
  const fail = (code: number, text: string, fatal = false): WireProtocolError =>
    new WireProtocolError(text, { code, fatal, reply });
  if (message.length < HEADER_SIZE + 4) {
    throw fail(ErrorCode.Overflow, 'OP_MSG is too short to hold its flag bits');
  }
  const flags = message.readUInt32LE(HEADER_SIZE);
  reply.noReply = (flags & MORE_TO_COME) !== 0;
  if (flags & ~(CHECKSUM_PRESENT | MORE_TO_COME | EXHAUST_ALLOWED) & 0xffff) {
    throw fail(
      ErrorCode.IllegalOpMsgFlag,
      `Message contains illegal flags value: 0b${flags.toString(2).padStart(32, '0')}`,
      true,
    );
  }
  let end = message.length;
  if (flags & CHECKSUM_PRESENT) {
    end -= 4;
    if (end < HEADER_SIZE + 4)
      throw fail(ErrorCode.Overflow, 'OP_MSG is too short for its checksum');
    if (message.readUInt32LE(end) !== crc32c(message.subarray(0, end))) {
      throw fail(ErrorCode.ChecksumMismatch, 'OP_MSG checksum does not match contents', true);
    }
  }
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: [string, Document[]][] = [];
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body !== undefined) throw fail(40430, 'Multiple body sections in message');
      const size = checkDocument(message, offset, end, reply);
      body = decode(message, offset, size, reply);
      offset += size;
    } else if (kind === 1) {
      if (sequences.length >= MAX_DOCUMENT_SEQUENCES) {
        throw fail(
          ErrorCode.TooManyDocumentSequences,
          'Too many document sequences in OP_MSG',
          true,
        );
      }
      if (end - offset < 4)
        throw fail(ErrorCode.Overflow, 'document sequence size runs past the message');
      const size = message.readInt32LE(offset);
      // The size counts itself and the identifier's NUL at least, and stays inside the message.
      if (size < 5 || size > end - offset) {
        throw fail(
          ErrorCode.Overflow,
          `invalid document sequence size ${size} (${end - offset} bytes left in the message)`,
        );
      }
      const sectionEnd = offset + size;
      const nameStart = offset + 4;
      const nul = message.indexOf(0, nameStart);
      if (nul === -1 || nul >= sectionEnd) {
        throw fail(ErrorCode.Overflow, 'document sequence identifier runs past its section');
      }
      if (nul === nameStart)
        throw fail(ErrorCode.FailedToParse, 'empty document sequence identifier');
      const identifier = message.toString('utf8', nameStart, nul);
      if (sequences.some(([name]) => name === identifier)) {
        throw fail(40431, `Duplicate document sequence: ${identifier}`);
      }
      const docs: Document[] = [];
      let cursor = nul + 1;
      while (cursor < sectionEnd) {
        const docSize = checkDocument(message, cursor, sectionEnd, reply);
        docs.push(decode(message, cursor, docSize, reply));
        cursor += docSize;
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else {
      throw fail(40432, `Unknown section kind ${kind}`);
    }
  }
  if (body === undefined) throw fail(40587, 'OP_MSG messages must have a body');
  for (const [identifier, docs] of sequences) {
    if (Object.hasOwn(body, identifier)) {
      throw fail(40433, `Duplicate field between body and document sequence ${identifier}`);
    }
    // defineProperty, not assignment: an identifier such as `__proto__` must stay a plain field.
    Object.defineProperty(body, identifier, {
      value: docs,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { command: body, noReply: reply.noReply };
}

function parseOpQuery(
  message: Buffer,
  reply: { requestId: number; opCode: number; noReply: boolean },
): Document {
  const fail = (text: string): WireProtocolError =>
    new WireProtocolError(text, { code: ErrorCode.Overflow, fatal: false, reply });
  let offset = HEADER_SIZE + 4; // flags
  const nul = offset < message.length ? message.indexOf(0, offset) : -1;
  if (nul === -1) throw fail('OP_QUERY namespace runs past the message');
  const collection = message.toString('utf8', offset, nul);
  offset = nul + 1 + 8; // numberToSkip, numberToReturn
  if (offset > message.length) throw fail('OP_QUERY is too short for numberToSkip/numberToReturn');
  const size = checkDocument(message, offset, message.length, reply);
  let query = decode(message, offset, size, reply);
  // An optional returnFieldsSelector may follow; commands never use it, so it is not decoded.
  // Drivers may wrap the command as { $query: {...}, $readPreference }.
  const wrapped = query['$query'];
  if (typeof wrapped === 'object' && wrapped !== null && !Array.isArray(wrapped))
    query = wrapped as Document;
  const db = collection.endsWith('.$cmd') ? collection.slice(0, -5) : collection;
  return { ...query, $db: db };
}

function decode(
  message: Buffer,
  offset: number,
  size: number,
  reply: { requestId: number; opCode: number; noReply: boolean },
): Document {
  try {
    return deserialize(message.subarray(offset, offset + size), deserializeOptions);
  } catch (error) {
    throw new WireProtocolError(
      `invalid BSON: ${error instanceof Error ? error.message : String(error)}`,
      {
        code: ErrorCode.InvalidBSON,
        fatal: false,
        reply,
      },
    );
  }
}

/**
 * Walks the raw bytes of the document at `start` without recursion and checks that every length
 * inside it (the document's own, each string, binary, code-with-scope and nested document or
 * array) stays inside its parent, that nesting stays within MAX_BSON_DEPTH and that each document
 * ends with its terminator. Returns the document's size. Only then does `bson.deserialize` see it.
 */
export function checkDocument(
  buffer: Buffer,
  start: number,
  limit: number,
  reply?: { requestId: number; opCode: number; noReply: boolean },
): number {
  const fail = (code: number, text: string): WireProtocolError =>
    new WireProtocolError(text, { code, fatal: false, ...(reply === undefined ? {} : { reply }) });
  if (limit - start < 4)
    throw fail(ErrorCode.InvalidBSON, 'BSON document size runs past its section');
  const size = buffer.readInt32LE(start);
  if (size < MIN_BSON_SIZE || size > limit - start) {
    throw fail(
      ErrorCode.InvalidBSON,
      `invalid BSON document size ${size} (${limit - start} bytes left in its section)`,
    );
  }
  if (size > MAX_BSON_SIZE) {
    throw fail(
      ErrorCode.BSONObjectTooLarge,
      `BSONObj size: ${size} (0x${size.toString(16).toUpperCase()}) is invalid. Size must be between 0 and ${MAX_BSON_SIZE}(16MB)`,
    );
  }
  const bad = (text: string): WireProtocolError =>
    fail(ErrorCode.InvalidBSON, `invalid BSON: ${text}`);
  /** End offsets (exclusive) of the documents currently open, innermost last. */
  const open: number[] = [start + size];
  let pos = start + 4;
  const lengthAt = (at: number, end: number): number => {
    if (end - at < 4) throw bad('a length runs past its document');
    return buffer.readInt32LE(at);
  };
  while (open.length > 0) {
    const docEnd = open[open.length - 1] ?? 0;
    const valueEnd = docEnd - 1; // the last byte belongs to the terminator
    if (pos > valueEnd) throw bad('an element runs past its document');
    const type = buffer[pos] ?? 0;
    if (type === 0) {
      if (pos !== valueEnd) throw bad('a document ends before its announced size');
      pos += 1;
      open.pop();
      continue;
    }
    const nameEnd = buffer.indexOf(0, pos + 1);
    if (nameEnd === -1 || nameEnd >= valueEnd) throw bad('a field name runs past its document');
    pos = nameEnd + 1;
    switch (type) {
      case 0x01: // double
      case 0x09: // UTC datetime
      case 0x11: // timestamp
      case 0x12: // int64
        pos += 8;
        break;
      case 0x10: // int32
        pos += 4;
        break;
      case 0x08: // boolean
        pos += 1;
        break;
      case 0x07: // ObjectId
        pos += 12;
        break;
      case 0x13: // decimal128
        pos += 16;
        break;
      case 0x06: // undefined
      case 0x0a: // null
      case 0x7f: // max key
      case 0xff: // min key
        break;
      case 0x02: // string
      case 0x0d: // JavaScript code
      case 0x0e: // symbol
      case 0x0c: {
        // DBPointer: a string then a 12-byte ObjectId
        const length = lengthAt(pos, valueEnd);
        if (length < 1 || length > valueEnd - pos - 4) throw bad(`invalid string length ${length}`);
        pos += 4 + length + (type === 0x0c ? 12 : 0);
        break;
      }
      case 0x05: {
        // binary: length, subtype, bytes
        const length = lengthAt(pos, valueEnd);
        if (length < 0 || length > valueEnd - pos - 5) throw bad(`invalid binary length ${length}`);
        pos += 5 + length;
        break;
      }
      case 0x0b: {
        // regex: pattern and options, two C strings
        const patternEnd = buffer.indexOf(0, pos);
        const optionsEnd = patternEnd === -1 ? -1 : buffer.indexOf(0, patternEnd + 1);
        if (optionsEnd === -1 || optionsEnd >= valueEnd)
          throw bad('a regex runs past its document');
        pos = optionsEnd + 1;
        break;
      }
      case 0x0f: {
        // code with scope: total length, string, scope document that ends exactly at the total
        const total = lengthAt(pos, valueEnd);
        if (total < 14 || total > valueEnd - pos)
          throw bad(`invalid code-with-scope length ${total}`);
        const codeLength = lengthAt(pos + 4, pos + total);
        if (codeLength < 1 || codeLength > total - 13)
          throw bad(`invalid code length ${codeLength}`);
        const scopeStart = pos + 8 + codeLength;
        if (lengthAt(scopeStart, pos + total) !== pos + total - scopeStart) {
          throw bad('a code-with-scope scope does not fill its element');
        }
        if (open.length >= MAX_BSON_DEPTH) throw depthError(fail);
        open.push(pos + total);
        pos = scopeStart + 4;
        continue;
      }
      case 0x03: // document
      case 0x04: {
        // array
        const length = lengthAt(pos, valueEnd);
        if (length < MIN_BSON_SIZE || length > valueEnd - pos) {
          throw bad(`invalid nested document size ${length}`);
        }
        if (open.length >= MAX_BSON_DEPTH) throw depthError(fail);
        open.push(pos + length);
        pos += 4;
        continue;
      }
      default:
        throw bad(`unknown element type 0x${type.toString(16)}`);
    }
    if (pos > valueEnd) throw bad('a value runs past its document');
  }
  return size;
}

function depthError(fail: (code: number, text: string) => WireProtocolError): WireProtocolError {
  return fail(
    ErrorCode.Overflow,
    `BSONObj exceeded maximum nested object depth: ${MAX_BSON_DEPTH}`,
  );
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), the OP_MSG checksum. */
export function crc32c(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
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
