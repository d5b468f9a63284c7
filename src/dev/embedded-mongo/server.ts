// TCP server on loopback: frames messages, runs each command synchronously, writes the reply.
//
// Limits that keep one peer from hurting the others (see README.md, "Hostile input"):
// - a header announcing more than maxMessageSizeBytes (48,000,000) closes the connection at once;
// - a frame that has started must complete within `partialFrameTimeoutMs`;
// - frames still incomplete across all connections may announce at most `maxPartialFrameBytes`
//   together; a connection whose new incomplete frame would go past that is closed;
// - replies are subject to backpressure: a connection that stops reading its replies stops being
//   read until its socket drains, so its queued replies cannot grow without bound.
import net from 'node:net';
import type { CommandProcessor } from './commands.js';
import { MAX_MESSAGE_SIZE } from './commands.js';
import { MessageFramer, WireProtocolError, encodeReply, parseMessage } from './wire.js';

export interface WireLogger {
  debug?(message: string): void;
  warn?(message: string): void;
}

export interface WireLimits {
  /** Close a connection whose started frame is still incomplete after this long. */
  partialFrameTimeoutMs: number;
  /** Total bytes that incomplete frames of all connections may announce at once. */
  maxPartialFrameBytes: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = {
  partialFrameTimeoutMs: 30_000,
  maxPartialFrameBytes: 128 * 1024 * 1024,
};

export class WireServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private nextConnectionId = 1;
  private nextRequestId = 1;
  private readonly processor: CommandProcessor;
  private readonly logger: WireLogger | undefined;
  private readonly limits: WireLimits;
  /** Sum of the announced lengths of every connection's incomplete frame. */
  private reservedPartialBytes = 0;

  constructor(
    processor: CommandProcessor,
    logger?: WireLogger,
    limits: WireLimits = DEFAULT_WIRE_LIMITS,
  ) {
    this.processor = processor;
    this.logger = logger;
    this.limits = limits;
    this.server = net.createServer((socket) => {
      this.accept(socket);
    });
  }

  /** Bytes currently reserved by incomplete frames (for tests and diagnostics). */
  get partialFrameBytes(): number {
    return this.reservedPartialBytes;
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
    const framer = new MessageFramer(MAX_MESSAGE_SIZE);
    /** Complete messages not yet run, waiting for the socket to drain. */
    let queue: Buffer[] = [];
    let reserved = 0;
    let timer: NodeJS.Timeout | undefined;
    let timedFrame = -1;
    let waitingForDrain = false;

    const closeConnection = (reason: string): void => {
      if (socket.destroyed) return;
      this.logger?.warn?.(`embedded-mongo: closing connection ${connectionId}: ${reason}`);
      socket.destroy();
    };

    const release = (): void => {
      this.reservedPartialBytes -= reserved;
      reserved = 0;
    };

    /** Keeps the reservation and the deadline in step with the framer's incomplete frame. */
    const trackPartialFrame = (): boolean => {
      const announced = framer.pendingLength;
      if (announced !== reserved) {
        release();
        if (announced > 0) {
          if (this.reservedPartialBytes + announced > this.limits.maxPartialFrameBytes) {
            closeConnection(
              `a ${announced}-byte frame would take incomplete frames past ${this.limits.maxPartialFrameBytes} bytes`,
            );
            return false;
          }
          reserved = announced;
          this.reservedPartialBytes += announced;
        }
      }
      if (framer.pendingBytes === 0 || waitingForDrain) {
        clearTimeout(timer);
        timer = undefined;
      } else if (timer === undefined || timedFrame !== framer.completed) {
        // A new frame has started: it gets the full allowance, measured from its first bytes.
        clearTimeout(timer);
        timedFrame = framer.completed;
        timer = setTimeout(() => {
          closeConnection(
            `frame incomplete after ${this.limits.partialFrameTimeoutMs} ms (${framer.pendingBytes} bytes received)`,
          );
        }, this.limits.partialFrameTimeoutMs);
        timer.unref();
      }
      return true;
    };

    const runQueue = (): void => {
      while (queue.length > 0 && !socket.destroyed) {
        if (socket.writableNeedDrain) {
          waitingForDrain = true;
          socket.pause();
          trackPartialFrame();
          return;
        }
        const message = queue.shift();
        if (message === undefined) break;
        this.handle(socket, connectionId, message);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      try {
        const messages = framer.push(chunk);
        if (messages.length > 0) queue = queue.length === 0 ? messages : queue.concat(messages);
      } catch (error) {
        // A bad header leaves the stream unusable; mongod closes the connection too.
        closeConnection(String(error));
        return;
      }
      if (!trackPartialFrame()) return;
      runQueue();
    });
    socket.on('drain', () => {
      if (!waitingForDrain) return;
      waitingForDrain = false;
      socket.resume();
      trackPartialFrame();
      runQueue();
    });
    socket.on('error', () => {
      socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      release();
      framer.clear();
      queue = [];
      this.sockets.delete(socket);
    });
  }

  /** Runs one complete message and writes its reply; closes the connection when mongod would. */
  private handle(socket: net.Socket, connectionId: number, message: Buffer): void {
    try {
      const incoming = parseMessage(message);
      const reply = this.processor.run(incoming.command, { connectionId });
      if (incoming.noReply) return;
      socket.write(encodeReply(this.nextRequestId++, incoming.requestId, incoming.opCode, reply));
    } catch (error) {
      if (error instanceof WireProtocolError && !error.fatal && error.reply !== undefined) {
        // The frame was sound but its contents were not: answer like mongod and keep going.
        this.logger?.debug?.(`embedded-mongo: connection ${connectionId}: ${error.message}`);
        const { requestId, opCode, noReply } = error.reply;
        if (!noReply)
          socket.write(encodeReply(this.nextRequestId++, requestId, opCode, error.toReply()));
        return;
      }
      this.logger?.warn?.(`embedded-mongo: closing connection ${connectionId}: ${String(error)}`);
      socket.destroy();
    }
  }
}
