import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Subscription } from '@medplum/fhirtypes';
import {
  afterAttempt,
  AttemptOutcome,
  DeliveryState,
  NextSend,
  nextSend,
  NotificationEvent,
  notificationBundle,
  NotificationType,
  SubscriptionStatusCode,
  topicByUrl,
  webhookHeaders,
} from '@liaison/subscriptions';
import type { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth';
import { ChangeFeed, FhirStore } from '../fhir';
import { CLOCK, Clock } from '../platform/clock/clock';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { asService, inTenant } from '../platform/database/tenant-scope';
import { ClientAccess } from './client-access.service';
import { DELIVERIES_CHANNEL } from './outbox-relay.service';
import { PgNotifications } from './pg-notifications.service';
import { WebhookSender } from './webhook.sender';
import { AttemptRecord, SubscriptionRow, SubscriptionRepository } from './subscription.repository';

/** Subscriptions one instance delivers to at once (each in order, one request at a time). */
const CONCURRENCY = 32;
const POLL_MS = 250;
/** Sends in a row to one subscription before it is given back (fairness). */
const MAX_SENDS_PER_CLAIM = 500;
/** Events loaded ahead from the database for a subscription with a backlog. */
const PREFETCH = 100;
const LEASE_MARGIN_MS = 5_000;
/** After an unexpected error (not a receiver's failure), the subscription is left alone this long. */
const ERROR_PAUSE_MS = 5_000;

/** The principal the service writes a Subscription's status with. */
function servicePrincipal(tenantId: string): Principal {
  return { clientId: 'liaison-subscriptions', tenantId, scopes: ['system/Subscription.ru'] };
}

function stateOf(row: SubscriptionRow): DeliveryState {
  return {
    status: row.status,
    handshakePending: row.handshakePending,
    eventCount: row.eventCount,
    deliveredCount: row.deliveredCount,
    inflight: row.inflight,
    maxCount: row.maxCount,
    heartbeatSeconds: row.heartbeatSeconds,
    lastSentAtMs: row.lastSentAt?.getTime(),
    endMs: row.endsAt?.getTime(),
    consecutiveFailures: row.consecutiveFailures,
    failingSinceMs: row.failingSince?.getTime(),
  };
}

/**
 * Delivers notifications: claims subscriptions with something due from PostgreSQL
 * (`FOR UPDATE SKIP LOCKED` and a lease, so several instances share the work and a dead
 * worker's subscriptions are taken over), then for each, in order: the handshake, event
 * batches, heartbeats — signed (Standard Webhooks), to the checked address, with the
 * subscription's timeout; each outcome is written back before the next send. Authorization is
 * re-checked before every send. Status changes are written to the Subscription resource too.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly owner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private claiming: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly baseUrl: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(LIAISON_CONFIG) config: LiaisonConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly subscriptions: SubscriptionRepository,
    private readonly feed: ChangeFeed,
    private readonly store: FhirStore,
    private readonly access: ClientAccess,
    private readonly sender: WebhookSender,
    private readonly notifications: PgNotifications,
  ) {
    this.baseUrl = `${config.baseUrl}/fhir/R4`;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.notifications.listen(DELIVERIES_CHANNEL, () => this.kick());
    this.notifications.onReconnect(() => this.kick());
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.claiming;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Looks for due work now (or right after the current look). */
  kick(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claim()
      .catch((error: unknown) => {
        if (!this.stopped) this.logger.error(`claiming deliveries failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.claiming = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async claim(): Promise<void> {
    for (;;) {
      const free = CONCURRENCY - this.inFlight.size;
      if (free <= 0 || this.stopped) return;
      const rows = await asService(this.db, (tx) => this.subscriptions.claimDue(tx, this.owner, this.clock.now(), free));
      for (const row of rows) {
        const work: Promise<void> = this.deliver(row)
          .catch((error: unknown) => {
            if (!this.stopped) this.logger.error(`delivery to subscription ${row.id} failed: ${(error as Error).message}`);
            return this.release(row, new Date(this.clock.now().getTime() + ERROR_PAUSE_MS));
          })
          .finally(() => {
            this.inFlight.delete(work);
            this.kick();
          });
        this.inFlight.add(work);
      }
      if (rows.length < free) return;
    }
  }

  private async release(row: SubscriptionRow, retryAt?: Date): Promise<void> {
    await asService(this.db, (tx) => this.subscriptions.release(tx, row.tenantId, row.id, this.owner, retryAt)).catch(() => undefined);
  }

  /** Sends what is due to one claimed subscription, in order, until nothing is (or it fails). */
  private async deliver(claimed: SubscriptionRow): Promise<void> {
    let row = claimed;
    const prefetched = new Map<number, NotificationEvent>();
    for (let sends = 0; sends < MAX_SENDS_PER_CLAIM && !this.stopped; sends++) {
      const now = this.clock.now();
      const state = stateOf(row);
      const next = nextSend(state, now.getTime());
      if (next.kind === 'none') return this.release(row);
      if (next.kind === 'expired') return this.changeStatus(row, 'off', 'the subscription reached its end');
      const topic = topicByUrl(row.topic);
      const refusal = topic ? await this.access.refusal(row.tenantId, row.clientId, row.scopes, topic.resourceType) : `unknown topic ${row.topic}`;
      if (refusal) return this.changeStatus(row, 'error', `not delivered: ${refusal}`);

      const events = next.kind === 'events' ? await this.events(row, next.from, next.to, prefetched) : [];
      const message = this.message(row, next, events, now);
      const outcome: AttemptOutcome = await this.sender.post(
        {
          endpoint: row.endpoint,
          body: message.body,
          headers: {
            'content-type': row.contentType,
            ...Object.fromEntries(row.headers.map((header) => [header.name, header.value])),
            ...webhookHeaders({ id: message.id, timestamp: Math.floor(now.getTime() / 1000), body: message.body }, this.secretsOf(row, now)),
          },
          timeoutMs: row.timeoutSeconds * 1000,
          signal: this.abort.signal,
        },
        () => this.clock.now().getTime(),
      );
      if (this.stopped && outcome.kind === 'failed') return;
      const after = this.clock.now();
      const result = afterAttempt(state, next, outcome, after.getTime(), Math.random());
      const keepGoing = outcome.kind === 'delivered' && next.kind !== 'heartbeat';
      const record: AttemptRecord = {
        status: result.status,
        handshakePending: result.handshakePending,
        deliveredCount: result.deliveredCount,
        inflight: result.inflight,
        consecutiveFailures: result.consecutiveFailures,
        failingSince: result.failingSinceMs === undefined ? undefined : new Date(result.failingSinceMs),
        nextAttemptAt: result.nextAttemptAtMs === undefined ? undefined : new Date(result.nextAttemptAtMs),
        lastSentAt: result.lastSentAtMs === undefined ? undefined : new Date(result.lastSentAtMs),
        lastError: result.lastError,
        leaseUntil: keepGoing ? new Date(after.getTime() + row.timeoutSeconds * 1000 + LEASE_MARGIN_MS) : undefined,
      };
      const updated =
        result.status !== row.status
          ? await inTenant(this.db, row.tenantId, async (tx) => {
              const written = await this.subscriptions.recordAttempt(tx, row.tenantId, row.id, this.owner, record);
              if (written) await this.writeResourceStatus(tx, row.tenantId, row.id, written.status, written.lastError);
              return written;
            })
          : // One statement, autocommitted: the common case (an acknowledgement) costs one round trip.
            await this.subscriptions.recordAttempt(this.db.manager, row.tenantId, row.id, this.owner, record);
      if (!updated || !keepGoing) return;
      row = updated;
    }
    await this.release(row);
  }

  /** The notification for a send: its `webhook-id` (stable across retries of the same batch) and body. */
  private message(row: SubscriptionRow, send: Exclude<NextSend, { kind: 'none' } | { kind: 'expired' }>, events: NotificationEvent[], now: Date): { id: string; body: string } {
    const type: NotificationType = send.kind === 'handshake' ? 'handshake' : send.kind === 'heartbeat' ? 'heartbeat' : 'event-notification';
    const id =
      send.kind === 'handshake'
        ? `sub-${row.id}-handshake-${row.handshakeSerial}`
        : send.kind === 'heartbeat'
          ? `sub-${row.id}-heartbeat-${now.getTime()}`
          : `sub-${row.id}-events-${send.from}-${send.to}`;
    const bundle = notificationBundle({
      baseUrl: this.baseUrl,
      bundleId: randomUUID(),
      statusId: randomUUID(),
      timestamp: now.toISOString(),
      subscriptionId: row.id,
      topicUrl: row.topic,
      status: row.status,
      type,
      eventsSinceSubscriptionStart: row.eventCount,
      payload: row.payload,
      events,
    });
    return { id, body: JSON.stringify(bundle) };
  }

  /** Current secret first; the previous one while it is still honoured (rotation). */
  private secretsOf(row: SubscriptionRow, now: Date): string[] {
    return row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now ? [row.secret, row.previousSecret] : [row.secret];
  }

  /** Events `from`..`to` of a subscription, loading ahead when it has a backlog. */
  private async events(row: SubscriptionRow, from: number, to: number, prefetched: Map<number, NotificationEvent>): Promise<NotificationEvent[]> {
    if (!prefetched.has(from) || !prefetched.has(to)) {
      prefetched.clear();
      const upTo = Math.max(to, Math.min(from + PREFETCH - 1, row.eventCount));
      const loaded = await inTenant(this.db, row.tenantId, async (tx) => {
        const numbers = await this.subscriptions.eventSequences(tx, row.tenantId, row.id, from, upTo);
        const feedEvents = await this.feed.readSequences(tx, row.tenantId, numbers.map((n) => n.sequence));
        const bySequence = new Map(feedEvents.map((event) => [event.sequence, event]));
        return numbers.flatMap(({ eventNumber, sequence }) => {
          const event = bySequence.get(sequence);
          return event ? [{ eventNumber, event }] : [];
        });
      });
      for (const { eventNumber, event } of loaded) {
        prefetched.set(eventNumber, {
          eventNumber,
          timestamp: event.occurredAt,
          interaction: event.interaction,
          resourceType: event.resourceType,
          resourceId: event.resourceId,
          versionId: String(event.versionId),
          resource: event.content,
        });
      }
    }
    const events: NotificationEvent[] = [];
    for (let n = from; n <= to; n++) {
      const event = prefetched.get(n);
      if (event) events.push(event);
      prefetched.delete(n);
    }
    return events;
  }

  /** Sets a status the worker decided alone (end reached, client no longer allowed), on the row and the resource. */
  private async changeStatus(row: SubscriptionRow, status: SubscriptionStatusCode, error: string): Promise<void> {
    this.logger.warn(`subscription ${row.id} is now ${status}: ${error}`);
    await inTenant(this.db, row.tenantId, async (tx) => {
      await this.subscriptions.setStatus(tx, row.tenantId, row.id, status, error);
      await this.writeResourceStatus(tx, row.tenantId, row.id, status, error);
    });
  }

  /** Writes the status (and error) onto the stored Subscription: a new version, through the store. */
  private async writeResourceStatus(tx: EntityManager, tenantId: string, id: string, status: SubscriptionStatusCode, error: string | undefined): Promise<void> {
    let current: Subscription;
    try {
      current = (await this.store.read(tx, tenantId, 'Subscription', id)) as Subscription;
    } catch {
      return; // deleted meanwhile: nothing to show the status on
    }
    if (current.status === status && current.error === error) return;
    const { error: _old, ...rest } = current;
    void _old;
    await this.store.update(tx, servicePrincipal(tenantId), { ...rest, status, ...(error && status !== 'active' && { error }) } as Subscription);
  }
}
