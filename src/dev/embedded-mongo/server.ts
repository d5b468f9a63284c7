// TCP server on loopback: frames messages, runs each command synchronously, writes the reply.
import net from 'node:net';
import type { CommandProcessor } from './commands.js';
import { MAX_MESSAGE_SIZE } from './commands.js';
import { encodeReply, parseMessage, splitMessages } from './wire.js';

export interface WireLogger {
  debug?(message: string): void;
  warn?(message: string): void;
}

export class WireServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private nextConnectionId = 1;
  private nextRequestId = 1;
  private readonly processor: CommandProcessor;
  private readonly logger: WireLogger | undefined;

  constructor(processor: CommandProcessor, logger?: WireLogger) {
    this.processor = processor;
    this.logger = logger;
    this.server = net.createServer((socket) => {
      this.accept(socket);
    });
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    const connectionId = this.nextConnectionId++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      try {
        const { messages, rest } = splitMessages(
          pending.length === 0 ? chunk : Buffer.concat([pending, chunk]),
          MAX_MESSAGE_SIZE,
        );
        pending = rest;
        for (const message of messages) {
          const incoming = parseMessage(message);
          const reply = this.processor.run(incoming.command, { connectionId });
          if (incoming.noReply) continue;
          socket.write(
            encodeReply(this.nextRequestId++, incoming.requestId, incoming.opCode, reply),
          );
        }
      } catch (error) {
        // A framing error leaves the stream unusable; mongod closes the connection too.
        this.logger?.warn?.(`embedded-mongo: closing connection ${connectionId}: ${String(error)}`);
        socket.destroy();
      }
    });
    socket.on('error', () => {
      socket.destroy();
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
    });
  }
}
