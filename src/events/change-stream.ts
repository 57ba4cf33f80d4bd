import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ChangeFeed, type FeedEvent } from '../fhir';
import { inTenant } from '../platform/database/tenant-scope';
import type { ChangeEvent, ChangeEventFilter } from './change-event';
import { SEQUENCED_CHANNEL } from './outbox-relay.service';
import { PgNotifications } from './pg-notifications.service';

const READ_BATCH = 500;
const POLL_MS = 2000;
/** A subscriber this far behind is ended (with an error) rather than buffered without bound. */
const MAX_QUEUED = 10_000;

/** One consumer's queue. */
class Subscriber {
  private readonly queue: ChangeEvent[] = [];
  private waiting: ((result: IteratorResult<ChangeEvent>) => void) | undefined;
  private failWaiting: ((error: Error) => void) | undefined;
  private error: Error | undefined;
  closed = false;

  constructor(
    readonly filter: ChangeEventFilter,
    private readonly onClose: (subscriber: Subscriber) => void,
  ) {}

  push(event: ChangeEvent): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: event, done: false });
      return;
    }
    if (this.queue.length >= MAX_QUEUED) {
      this.fail(new Error(`the change stream consumer fell ${MAX_QUEUED} events behind and was disconnected`));
      return;
    }
    this.queue.push(event);
  }

  fail(error: Error): void {
    if (this.closed) return;
    this.error = error;
    this.close();
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = undefined;
      reject(error);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    if (this.waiting && !this.error) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ChangeEvent>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.error) {
      const error = this.error;
      this.error = undefined;
      return Promise.reject(error);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }
}

/** Reads one tenant's feed once for all of its subscribers. */
class TenantPump {
  readonly subscribers = new Set<Subscriber>();
  cursor: number | undefined;
  reading: Promise<void> | undefined;
  again = false;
}

/**
 * Live committed changes of one tenant, in outbox order, across every service instance
 * (PostgreSQL LISTEN/NOTIFY wakes readers; events are read from the outbox by sequence, never
 * taken from a notification's payload). Iteration starts at the events committed after
 * `subscribe` is called; ending the loop (`break`/`return`) unsubscribes. One read per tenant
 * feeds all of its subscribers; each applies its own filter.
 */
@Injectable()
export class ChangeStream implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeStream.name);
  private readonly pumps = new Map<string, TenantPump>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly feed: ChangeFeed,
    private readonly notifications: PgNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.notifications.listen(SEQUENCED_CHANNEL, (payload) => this.onSequenced(payload));
    this.notifications.onReconnect(() => this.readAll());
    this.timer = setInterval(() => this.readAll(), POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const pump of this.pumps.values()) for (const subscriber of [...pump.subscribers]) subscriber.close();
  }

  subscribe(tenantId: string, filter: ChangeEventFilter): AsyncIterable<ChangeEvent> {
    const pump = this.pumpOf(tenantId);
    const subscriber = new Subscriber(filter, (closed) => this.leave(tenantId, closed));
    if (this.stopped) subscriber.close();
    else pump.subscribers.add(subscriber);
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => subscriber.next(),
        return: (): Promise<IteratorResult<ChangeEvent>> => {
          subscriber.close();
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
  }

  private pumpOf(tenantId: string): TenantPump {
    let pump = this.pumps.get(tenantId);
    if (!pump) {
      pump = new TenantPump();
      this.pumps.set(tenantId, pump);
      this.read(tenantId, pump);
    }
    return pump;
  }

  private leave(tenantId: string, subscriber: Subscriber): void {
    const pump = this.pumps.get(tenantId);
    if (!pump) return;
    pump.subscribers.delete(subscriber);
    if (pump.subscribers.size === 0 && !pump.reading) this.pumps.delete(tenantId);
  }

  private onSequenced(payload: string): void {
    if (payload === '') return this.readAll();
    let heads: Record<string, number>;
    try {
      heads = JSON.parse(payload) as Record<string, number>;
    } catch {
      return this.readAll();
    }
    for (const [tenantId, head] of Object.entries(heads)) {
      const pump = this.pumps.get(tenantId);
      if (pump && (pump.cursor === undefined || head > pump.cursor)) this.read(tenantId, pump);
    }
  }

  private readAll(): void {
    for (const [tenantId, pump] of this.pumps) this.read(tenantId, pump);
  }

  private read(tenantId: string, pump: TenantPump): void {
    if (this.stopped) return;
    if (pump.reading) {
      pump.again = true;
      return;
    }
    pump.reading = this.drain(tenantId, pump)
      .catch((error: unknown) => this.logger.warn(`change stream read failed for a tenant: ${(error as Error).message}`))
      .finally(() => {
        pump.reading = undefined;
        if (pump.subscribers.size === 0) this.pumps.delete(tenantId);
      });
  }

  private async drain(tenantId: string, pump: TenantPump): Promise<void> {
    do {
      pump.again = false;
      if (pump.cursor === undefined) {
        pump.cursor = await inTenant(this.db, tenantId, (tx) => this.feed.head(tx, tenantId));
      }
      for (;;) {
        const after: number = pump.cursor;
        const events = await inTenant(this.db, tenantId, (tx) => this.feed.readAfter(tx, tenantId, after, READ_BATCH));
        for (const event of events) {
          const change = toChangeEvent(event);
          for (const subscriber of pump.subscribers) {
            let wanted = false;
            try {
              wanted = subscriber.filter(change);
            } catch {
              wanted = false;
            }
            if (wanted) subscriber.push(change);
          }
          pump.cursor = event.sequence;
        }
        if (events.length < READ_BATCH || this.stopped) break;
      }
    } while (pump.again && !this.stopped);
  }
}

/** An outbox event as change-stream consumers see it. */
export function toChangeEvent(event: FeedEvent): ChangeEvent {
  return {
    tenantId: event.tenantId,
    sequence: event.sequence,
    topic: event.topics[0],
    topics: event.topics,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    versionId: String(event.versionId),
    interaction: event.interaction,
    occurredAt: event.occurredAt,
    ...(event.interaction !== 'delete' && event.content && { resource: event.content }),
  };
}
