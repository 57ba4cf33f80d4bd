import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { IngestService } from './ingest.service';
import { MllpConnection } from './mllp.connection';

/** How long shutdown waits for messages in flight before closing their connections anyway. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface MllpReadiness {
  readonly enabled: boolean;
  readonly listening: boolean;
  readonly port?: number;
}

/** Counts for metrics (issue: connections and errors are counted). */
export interface MllpCounters {
  readonly connectionsOpened: number;
  readonly connectionsOpen: number;
  readonly errors: number;
}

/**
 * The HL7 v2 listener: a plain `net` server on HOST:MLLP_PORT (0 disables it), one
 * {@link MllpConnection} per client. Started when the application boots (a busy port stops
 * the start-up with the error); on shutdown it stops accepting, lets each connection finish
 * and acknowledge the message in flight, then closes (connections still busy after 10 s are cut).
 */
@Injectable()
export class MllpServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Mllp');
  private server?: Server;
  private readonly connections = new Set<MllpConnection>();
  private opened = 0;
  private errors = 0;

  constructor(
    @Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig,
    private readonly ingest: IngestService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.mllpPort === 0) return;
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.mllpPort, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error: NodeJS.ErrnoException) => {
      this.errors++;
      this.logger.error({ code: error.code }, 'MLLP listener error');
    });
    this.server = server;
    this.logger.log({ host: this.config.host, port: this.address()?.port }, 'MLLP listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.connections].map((connection) => connection.stop())),
      new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.destroy();
    await closed;
  }

  /** Where the listener is bound (tests read the port from here), or undefined when disabled. */
  address(): AddressInfo | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  readiness(): MllpReadiness {
    const port = this.address()?.port;
    return { enabled: this.config.mllpPort !== 0, listening: this.server?.listening === true, ...(port && { port }) };
  }

  counters(): MllpCounters {
    return { connectionsOpened: this.opened, connectionsOpen: this.connections.size, errors: this.errors };
  }

  private accept(socket: Socket): void {
    this.opened++;
    const connection = new MllpConnection(
      socket,
      this.ingest,
      {
        maxMessageBytes: this.config.mllpMaxMessageBytes,
        idleTimeoutMs: this.config.mllpIdleTimeoutSeconds * 1000,
        ackDelayMs: this.config.testMllpAckDelayMs,
      },
      this.logger,
      () => this.errors++,
    );
    this.connections.add(connection);
    this.logger.debug({ peer: connection.peer }, 'MLLP connection opened');
    void connection.closed.then(() => {
      this.connections.delete(connection);
      this.logger.debug({ peer: connection.peer }, 'MLLP connection closed');
    });
  }
}
