import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';

type Handler = (payload: string) => void;

const RECONNECT_DELAY_MS = [100, 500, 1000, 2000, 5000];

/**
 * PostgreSQL LISTEN on a dedicated connection (a pooled one cannot keep listening), shared by
 * the events module: the outbox relay, the delivery workers and the change stream. It
 * reconnects after a failure and then calls the `onReconnect` handlers, since notifications
 * sent meanwhile are lost: every reader also polls, so a lost one only adds latency.
 */
@Injectable()
export class PgNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(PgNotifications.name);
  private readonly handlers = new Map<string, Handler[]>();
  private readonly reconnectHandlers: (() => void)[] = [];
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Calls `handler` with each notification's payload on `channel` (starts listening on first use). */
  async listen(channel: string, handler: Handler): Promise<void> {
    const existing = this.handlers.get(channel);
    this.handlers.set(channel, [...(existing ?? []), handler]);
    await this.connect();
    if (!existing && this.client) await this.client.query(`LISTEN ${quoteIdent(channel)}`);
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.client || this.stopped) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const options = this.db.options as { url?: string };
    const client = new Client({ connectionString: options.url, application_name: 'liaison-listen' });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) {
        try {
          handler(message.payload ?? '');
        } catch (error) {
          this.logger.error(`notification handler failed on ${message.channel}: ${(error as Error).message}`);
        }
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    const reconnected = this.failures > 0;
    this.failures = 0;
    this.client = client;
    if (reconnected) for (const handler of this.reconnectHandlers) handler();
  }

  private lost(client: Client, error?: Error): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.logger.warn(`the LISTEN connection was lost${error ? `: ${error.message}` : ''}; reconnecting`);
    void client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    const delay = RECONNECT_DELAY_MS[Math.min(this.failures, RECONNECT_DELAY_MS.length - 1)];
    this.failures++;
    setTimeout(() => {
      if (this.stopped) return;
      this.connect().catch((error: unknown) => {
        this.logger.warn(`LISTEN reconnect failed: ${(error as Error).message}`);
        this.retry();
      });
    }, delay).unref();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
