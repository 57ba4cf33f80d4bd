import type { Socket } from 'node:net';
import type { Logger } from '@nestjs/common';
import { encodeMllpFrame, MllpDecoder, type MllpFrameEvent } from '@liaison/hl7';

/** What a connection hands its frames to: the ingest service's MLLP entry points. */
export interface MllpFrameHandler {
  /** A whole frame → the ACK of each message it held, resolved once their outcomes are committed. */
  receiveHl7(frame: Uint8Array): Promise<Uint8Array[]>;
  /** The AR for a frame over the size limit. */
  rejectOversized(head: Uint8Array, bytes: number): Uint8Array;
}

export interface MllpConnectionOptions {
  readonly maxMessageBytes: number;
  readonly idleTimeoutMs: number;
  /** Test hook: wait between a message's commit and its ACK (0 in production). */
  readonly ackDelayMs: number;
}

/** Frames decoded but not yet answered before the socket stops reading (backpressure). */
const MAX_QUEUED_FRAMES = 32;

/**
 * One MLLP connection: bytes in through the pure frame decoder (split and merged TCP packets,
 * stray bytes, a size limit), frames answered strictly in order, one at a time, each ACK written
 * only after its message's outcome is committed. Closed after `idleTimeoutMs` without traffic
 * while nothing is in flight (a half-sent frame included). `stop()` (shutdown) stops reading,
 * lets the message in flight finish and be acknowledged, drops frames not yet started (their
 * sender gets no ACK and sends them again), then ends the connection.
 */
export class MllpConnection {
  private readonly decoder: MllpDecoder;
  private readonly queue: MllpFrameEvent[] = [];
  private busy = false;
  private ended = false;
  private stopping = false;
  private paused = false;
  readonly closed: Promise<void>;

  constructor(
    readonly socket: Socket,
    private readonly handler: MllpFrameHandler,
    private readonly options: MllpConnectionOptions,
    private readonly logger: Logger,
    private readonly onError: () => void,
  ) {
    this.decoder = new MllpDecoder({ maxMessageBytes: options.maxMessageBytes });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.take(this.decoder.push(chunk)));
    socket.on('end', () => {
      this.ended = true;
      this.take(this.decoder.finish());
      this.finishIfIdle();
    });
    socket.on('timeout', () => {
      if (this.busy || this.queue.length > 0) return;
      this.logger.debug({ peer: this.peer, pendingBytes: this.decoder.pendingBytes }, 'MLLP connection idle: closing');
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.onError();
      this.logger.debug({ peer: this.peer, code: error.code }, 'MLLP connection error');
      socket.destroy();
    });
  }

  get peer(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  /** Shutdown: finish the message in flight, answer it, and close. Resolves when the socket is closed. */
  stop(): Promise<void> {
    this.stopping = true;
    this.socket.pause();
    this.queue.length = 0;
    this.finishIfIdle();
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private take(events: readonly MllpFrameEvent[]): void {
    for (const event of events) {
      if (event.kind === 'stray') {
        this.logger.debug({ peer: this.peer, bytes: event.bytes }, 'MLLP bytes outside a frame ignored');
      } else if (!this.stopping) {
        this.queue.push(event);
      }
    }
    if (this.queue.length >= MAX_QUEUED_FRAMES && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && !this.socket.destroyed) {
        const event = this.queue.shift()!;
        const acks =
          event.kind === 'message'
            ? await this.handler.receiveHl7(event.payload)
            : event.kind === 'too-large'
              ? [this.handler.rejectOversized(event.head, event.bytes)]
              : [];
        if (this.options.ackDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.ackDelayMs));
        for (const ack of acks) if (!this.socket.destroyed) this.socket.write(encodeMllpFrame(ack));
        if (this.paused && !this.stopping && this.queue.length < MAX_QUEUED_FRAMES / 2) {
          this.paused = false;
          this.socket.resume();
        }
      }
    } catch (error) {
      // No ACK for a message whose outcome is unknown: the sender will send it again.
      this.onError();
      this.logger.error({ peer: this.peer, name: (error as Error)?.name }, 'MLLP message could not be handled: closing the connection');
      this.socket.destroy();
    } finally {
      this.busy = false;
    }
    this.finishIfIdle();
  }

  private finishIfIdle(): void {
    if (this.busy || this.queue.length > 0) return;
    if (this.ended || this.stopping) this.socket.end();
  }
}
