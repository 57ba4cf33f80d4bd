import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { subscriptionMatches } from '@liaison/subscriptions';
import type { DataSource, EntityManager } from 'typeorm';
import { ChangeFeed, type FeedEvent } from '../fhir';
import { asService } from '../platform/database/tenant-scope';
import { PgNotifications } from './pg-notifications.service';
import { SubscriptionRepository, SubscriptionRow } from './subscription.repository';

/** Channel the relay notifies when events got their sequence: payload `{"<tenant>": <last sequence>}` (or empty: look at all). */
export const SEQUENCED_CHANNEL = 'liaison_outbox_sequenced';

/** Channel notified when there is delivery work: the relay matched events to Subscriptions, or a Subscription changed. */
export const DELIVERIES_CHANNEL = 'liaison_deliveries';

const BATCH = 1000;
/** Events a lagging subscription is given per pass (read once per tenant). */
const CATCH_UP = 1000;
const POLL_MS = 1000;
const MAX_PAYLOAD = 7000;

/**
 * Moves committed changes from the outbox to their readers, one relay at a time across
 * instances (the sequencer's advisory lock): numbers new outbox rows per tenant, matches them
 * to the tenant's Subscriptions (topic, filters) giving each its next event numbers, in the
 * same transaction, then notifies `liaison_outbox_sequenced` at commit. Woken after each commit
 * of this process that wrote events (`ChangeFeed.onWritten`), and every second to pick up other
 * processes' writes and anything a lost notification or a race left behind.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private running: Promise<void> | undefined;
  private again = false;
  private catchUpDue = true;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly feed: ChangeFeed,
    private readonly subscriptions: SubscriptionRepository,
    private readonly notifications: PgNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.feed.onWritten(() => this.kick());
    this.notifications.onReconnect(() => this.kick(true));
    this.timer = setInterval(() => this.kick(true), POLL_MS);
    this.timer.unref();
    this.kick(true);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs a pass now (or right after the current one). */
  kick(catchUp = false): void {
    if (this.stopped) return;
    if (catchUp) this.catchUpDue = true;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Sequences and matches until nothing is left (also usable from tests and benchmarks). */
  async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.pass())) {
          // a full batch: there may be more
        }
      } catch (error) {
        if (!this.stopped) this.logger.error(`outbox relay pass failed: ${(error as Error).message}`);
        return;
      }
    } while (this.again && !this.stopped);
  }

  /**
   * One transaction: sequence a batch, match it (and any lagging subscription), notify. True
   * when there is more to do right away (a full batch, or subscriptions still catching up).
   */
  private async pass(): Promise<boolean> {
    const catchUp = this.catchUpDue;
    this.catchUpDue = false;
    return asService(this.db, async (tx) => {
      const events = await this.feed.sequencePending(tx, BATCH);
      const byTenant = groupByTenant(events);
      const candidates = byTenant.size > 0 ? await this.subscriptions.matchable(tx, [...byTenant.keys()]) : [];
      const lagging = catchUp ? await this.subscriptions.lagging(tx, await this.feed.heads(tx)) : [];
      const all = new Map<string, SubscriptionRow>();
      for (const row of [...candidates, ...lagging]) all.set(`${row.tenantId}/${row.id}`, row);
      const { behind, matched } = await this.match(tx, [...all.values()], byTenant);
      // Delivery workers wake only when there is something to deliver, not on every batch.
      if (matched) await tx.query(`SELECT pg_notify($1, '')`, [DELIVERIES_CHANNEL]);
      if (events.length > 0) {
        const heads: Record<string, number> = {};
        for (const [tenantId, tenantEvents] of byTenant) heads[tenantId] = tenantEvents[tenantEvents.length - 1].sequence;
        const payload = JSON.stringify(heads);
        await tx.query(`SELECT pg_notify($1, $2)`, [SEQUENCED_CHANNEL, payload.length <= MAX_PAYLOAD ? payload : '']);
      }
      if (behind) this.catchUpDue = true;
      return events.length === BATCH || behind;
    });
  }

  /**
   * Gives each subscription its new events (numbered after its count). A subscription behind
   * the batch (created during an earlier pass, or re-activated after `off`) first gets the
   * events it missed, read once per tenant and at most CATCH_UP events per pass, so a long
   * catch-up never holds the sequencer for long. `behind`: some subscription is still behind;
   * `matched`: some subscription got new events.
   */
  private async match(
    tx: EntityManager,
    subscriptions: readonly SubscriptionRow[],
    batch: ReadonlyMap<string, readonly FeedEvent[]>,
  ): Promise<{ behind: boolean; matched: boolean }> {
    const events: { tenantId: string; subscriptionId: string; eventNumber: number; sequence: number }[] = [];
    const positions: { tenantId: string; id: string; eventCount: number; scannedSequence: number }[] = [];
    let behind = false;
    const byTenant = new Map<string, SubscriptionRow[]>();
    for (const row of subscriptions) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row]);
    for (const [tenantId, rows] of byTenant) {
      const fresh = batch.get(tenantId) ?? [];
      const firstFresh = fresh[0]?.sequence ?? Number.POSITIVE_INFINITY;
      const lagging = rows.filter((row) => row.scannedSequence + 1 < firstFresh);
      let gap: readonly FeedEvent[] = [];
      let truncated = false;
      if (lagging.length > 0) {
        const from = Math.min(...lagging.map((row) => row.scannedSequence));
        const read = await this.feed.readAfter(tx, tenantId, from, CATCH_UP);
        gap = read.filter((event) => event.sequence < firstFresh);
        truncated = read.length === CATCH_UP && gap.length === read.length;
      }
      for (const subscription of rows) {
        let scanned = subscription.scannedSequence;
        let count = subscription.eventCount;
        const take = (feedEvents: readonly FeedEvent[]): void => {
          for (const event of feedEvents) {
            if (event.sequence <= scanned) continue;
            if (subscriptionMatches(event, subscription)) {
              count++;
              events.push({ tenantId, subscriptionId: subscription.id, eventNumber: count, sequence: event.sequence });
            }
            scanned = event.sequence;
          }
        };
        take(gap);
        // The batch follows only a subscription that has seen everything before it.
        if (truncated && scanned + 1 < firstFresh) behind = true;
        else take(fresh);
        if (scanned !== subscription.scannedSequence) {
          positions.push({ tenantId, id: subscription.id, eventCount: count, scannedSequence: scanned });
        }
      }
    }
    await this.subscriptions.appendMatches(tx, events, positions);
    return { behind, matched: events.length > 0 };
  }
}

function groupByTenant(events: readonly FeedEvent[]): Map<string, FeedEvent[]> {
  const byTenant = new Map<string, FeedEvent[]>();
  for (const event of events) {
    const list = byTenant.get(event.tenantId);
    if (list) list.push(event);
    else byTenant.set(event.tenantId, [event]);
  }
  return byTenant;
}
