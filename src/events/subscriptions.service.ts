import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle, Parameters, Subscription } from '@medplum/fhirtypes';
import { InteractionResult, notFoundOutcome, versionResult } from '@liaison/fhir-store';
import {
  NotificationEvent,
  notificationBundle,
  parseSubscription,
  PayloadContent,
  statusBundle,
  storedSubscription,
  SubscriptionSpec,
  SubscriptionStatusCode,
  SubscriptionStatusInput,
  topicByUrl,
  webhookKeyOf,
  webhookSecretOf,
  withSecretShown,
} from '@liaison/subscriptions';
import type { DataSource, EntityManager } from 'typeorm';
import { assertScope, type Principal } from '../auth';
import { ChangeFeed, FhirStore } from '../fhir';
import { CLOCK, Clock } from '../platform/clock/clock';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { inTenant } from '../platform/database/tenant-scope';
import { DeliveryWorker } from './delivery.worker';
import { DELIVERIES_CHANNEL } from './outbox-relay.service';
import { SubscriptionRepository, SubscriptionRow, SubscriptionSettings } from './subscription.repository';
import { WebhookSender } from './webhook.sender';

/** How long a replaced secret still signs notifications (receivers roll over meanwhile). */
const PREVIOUS_SECRET_TTL_MS = 24 * 3_600_000;
/** Most events one `$events` call returns. */
const MAX_EVENTS_PER_QUERY = 1000;

function settingsOf(spec: SubscriptionSpec): SubscriptionSettings {
  return {
    topic: spec.topic.url,
    filters: spec.filters,
    endpoint: spec.endpoint,
    payload: spec.payload,
    contentType: spec.contentType,
    headers: spec.headers,
    heartbeatSeconds: spec.heartbeatSeconds,
    timeoutSeconds: spec.timeoutSeconds,
    maxCount: spec.maxCount,
    endsAt: spec.end ? new Date(spec.end) : undefined,
  };
}

function asSubscription(body: unknown): Subscription {
  if (!body || typeof body !== 'object' || (body as Subscription).resourceType !== 'Subscription') {
    throw new OperationOutcomeError(badRequest('The body must be a Subscription', 'Subscription'));
  }
  return body as Subscription;
}

function notFound(id: string): OperationOutcomeError {
  return new OperationOutcomeError(notFoundOutcome(`Subscription/${id} not found`));
}

function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) throw new OperationOutcomeError(badRequest(`${name} must be a positive whole number`, name));
  return Number(value);
}

/**
 * Topic-based Subscriptions (R4, Subscriptions R5 Backport IG): create, update, delete, the
 * secret's rotation, `$status` and `$events`. The Subscription resource lives in the FHIR
 * store (read and search go through the FHIR API); its delivery state is ours.
 */
@Injectable()
export class SubscriptionsService {
  /** The FHIR base URL (`…/fhir/R4`) answers are relative to. */
  readonly fhirBaseUrl: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(LIAISON_CONFIG) config: LiaisonConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly store: FhirStore,
    private readonly feed: ChangeFeed,
    private readonly subscriptions: SubscriptionRepository,
    private readonly sender: WebhookSender,
    private readonly worker: DeliveryWorker,
  ) {
    this.fhirBaseUrl = `${config.baseUrl}/fhir/R4`;
  }

  /** Creates a Subscription in `requested` (the handshake follows); the answer shows the webhook secret, once. */
  async create(principal: Principal, body: unknown): Promise<InteractionResult> {
    assertScope(principal, 'Subscription', 'c');
    const resource = asSubscription(body);
    const spec = parseSubscription(resource);
    assertScope(principal, spec.topic.resourceType, 'r');
    await this.assertEndpointAllowed(spec.endpoint);
    const secret = spec.secret ?? webhookSecretOf(randomBytes(32));
    const status: SubscriptionStatusCode = spec.requestedStatus === 'off' ? 'off' : 'requested';
    const { id: _ignored, ...withoutId } = resource;
    void _ignored;
    const stored = await inTenant(this.db, principal.tenantId, async (tx) => {
      const head = await this.feed.head(tx, principal.tenantId);
      const written = await this.store.create(tx, principal, storedSubscription(withoutId as Subscription, status));
      await this.subscriptions.insert(
        tx,
        {
          tenantId: principal.tenantId,
          id: written.resource.id!,
          clientId: principal.clientId,
          scopes: principal.scopes,
          secret,
          scannedSequence: head,
          createdAt: this.clock.now(),
          status,
        },
        settingsOf(spec),
      );
      await this.notifyWorkers(tx);
      return written;
    });
    this.worker.kick();
    return versionResult(201, withSecretShown(stored.resource, secret), { write: true, warnings: stored.warnings });
  }

  /**
   * Updates a Subscription: its filters, channel and limits (not its topic). `requested`
   * restarts the handshake (and delivery from where it stopped), as does a new endpoint;
   * `off` pauses it. A secret in the body replaces the current one (the old one is honoured
   * for a day).
   */
  async update(principal: Principal, id: string, body: unknown, ifMatch?: string): Promise<InteractionResult> {
    assertScope(principal, 'Subscription', 'u');
    const resource = asSubscription(body);
    if (resource.id !== id) throw new OperationOutcomeError(badRequest(`The body has id ${String(resource.id)}, the URL ${id}`, 'Subscription.id'));
    const spec = parseSubscription(resource);
    assertScope(principal, spec.topic.resourceType, 'r');
    await this.assertEndpointAllowed(spec.endpoint);
    const stored = await inTenant(this.db, principal.tenantId, async (tx) => {
      const row = await this.subscriptions.find(tx, principal.tenantId, id);
      if (!row) throw notFound(id);
      if (row.topic !== spec.topic.url) {
        throw new OperationOutcomeError(badRequest('The topic of a Subscription cannot change: create another one', 'Subscription.criteria'));
      }
      const status = nextStatus(row, spec);
      const written = await this.store.update(tx, principal, storedSubscription(resource, status, status === 'error' ? row.lastError : undefined), { ifMatch });
      await this.subscriptions.update(tx, principal.tenantId, id, settingsOf(spec), status, this.clock.now());
      if (spec.secret && spec.secret !== row.secret) {
        await this.subscriptions.rotateSecret(tx, principal.tenantId, id, spec.secret, new Date(this.clock.now().getTime() + PREVIOUS_SECRET_TTL_MS));
      }
      await this.notifyWorkers(tx);
      return written;
    });
    this.worker.kick();
    return versionResult(200, stored.resource, { write: true, warnings: stored.warnings });
  }

  async delete(principal: Principal, id: string): Promise<void> {
    assertScope(principal, 'Subscription', 'd');
    await inTenant(this.db, principal.tenantId, async (tx) => {
      const row = await this.subscriptions.find(tx, principal.tenantId, id);
      if (!row) throw notFound(id);
      await this.store.delete(tx, principal, 'Subscription', id);
      await this.subscriptions.delete(tx, principal.tenantId, id);
    });
  }

  /** A new webhook secret (given, or generated); the previous one keeps signing for a day. */
  async rotateSecret(principal: Principal, id: string, body: unknown): Promise<Parameters> {
    assertScope(principal, 'Subscription', 'u');
    const given = (body as Parameters | undefined)?.parameter?.find((p) => p.name === 'secret')?.valueString;
    if (given !== undefined && !webhookKeyOf(given)) {
      throw new OperationOutcomeError(badRequest('secret must be whsec_ followed by the base64 of 24 to 64 random bytes', 'Parameters.parameter(secret)'));
    }
    const secret = given ?? webhookSecretOf(randomBytes(32));
    const previousExpires = new Date(this.clock.now().getTime() + PREVIOUS_SECRET_TTL_MS);
    await inTenant(this.db, principal.tenantId, async (tx) => {
      if (!(await this.subscriptions.find(tx, principal.tenantId, id))) throw notFound(id);
      await this.subscriptions.rotateSecret(tx, principal.tenantId, id, secret, previousExpires);
    });
    return {
      resourceType: 'Parameters',
      parameter: [
        { name: 'secret', valueString: secret },
        { name: 'previous-secret-valid-until', valueInstant: previousExpires.toISOString() },
      ],
    };
  }

  /** `$status`: one status Parameters per subscription (instance level: `ids` is that one). */
  async status(principal: Principal, query: { ids?: string[]; statuses?: string[] }, instance?: string): Promise<Bundle> {
    assertScope(principal, 'Subscription', 'r');
    const rows = await inTenant(this.db, principal.tenantId, (tx) =>
      this.subscriptions.list(tx, principal.tenantId, instance ? { ids: [instance] } : { ids: query.ids, statuses: query.statuses }),
    );
    if (instance && rows.length === 0) throw notFound(instance);
    return statusBundle(
      rows.map((row) => this.statusInput(row, 'query-status', row.payload)),
      randomUUID(),
      this.clock.now().toISOString(),
    );
  }

  /** `$events`: a notification Bundle (type `query-event`) replaying events `since`..`until` (event numbers). */
  async events(principal: Principal, id: string, query: { since?: string; until?: string; content?: string }): Promise<Bundle> {
    assertScope(principal, 'Subscription', 'r');
    const since = positiveNumber(query.since, 'eventsSinceNumber') ?? 1;
    const until = positiveNumber(query.until, 'eventsUntilNumber');
    const content = query.content as PayloadContent | undefined;
    if (content !== undefined && !['empty', 'id-only', 'full-resource'].includes(content)) {
      throw new OperationOutcomeError(badRequest('content must be empty, id-only or full-resource', 'content'));
    }
    return inTenant(this.db, principal.tenantId, async (tx) => {
      const row = await this.subscriptions.find(tx, principal.tenantId, id);
      if (!row) throw notFound(id);
      const topic = topicByUrl(row.topic);
      if (topic) assertScope(principal, topic.resourceType, 'r');
      const last = Math.min(until ?? row.eventCount, row.eventCount, since + MAX_EVENTS_PER_QUERY - 1);
      const events = last >= since ? await this.loadEvents(tx, row, since, last) : [];
      return notificationBundle({
        ...this.statusInput(row, 'query-event', content ?? row.payload),
        bundleId: randomUUID(),
        timestamp: this.clock.now().toISOString(),
        events,
      });
    });
  }

  private statusInput(row: SubscriptionRow, type: 'query-status' | 'query-event', payload: PayloadContent): SubscriptionStatusInput {
    return {
      baseUrl: this.fhirBaseUrl,
      subscriptionId: row.id,
      topicUrl: row.topic,
      status: row.status,
      type,
      eventsSinceSubscriptionStart: row.eventCount,
      payload,
      statusId: randomUUID(),
      errors: row.lastError && row.status !== 'active' ? [row.lastError] : undefined,
    };
  }

  private async loadEvents(tx: EntityManager, row: SubscriptionRow, from: number, to: number): Promise<NotificationEvent[]> {
    const numbers = await this.subscriptions.eventSequences(tx, row.tenantId, row.id, from, to);
    const bySequence = new Map((await this.feed.readSequences(tx, row.tenantId, numbers.map((n) => n.sequence))).map((e) => [e.sequence, e]));
    return numbers.flatMap(({ eventNumber, sequence }) => {
      const event = bySequence.get(sequence);
      return event
        ? [
            {
              eventNumber,
              timestamp: event.occurredAt,
              interaction: event.interaction,
              resourceType: event.resourceType,
              resourceId: event.resourceId,
              versionId: String(event.versionId),
              resource: event.content,
            },
          ]
        : [];
    });
  }

  /** Refuses (400) an endpoint whose host resolves only to addresses the policy refuses. */
  private async assertEndpointAllowed(endpoint: string): Promise<void> {
    const target = await this.sender.resolve(endpoint);
    if ('refused' in target) throw new OperationOutcomeError(badRequest(target.refused, 'Subscription.channel.endpoint'));
  }

  private async notifyWorkers(tx: EntityManager): Promise<void> {
    await tx.query(`SELECT pg_notify($1, '')`, [DELIVERIES_CHANNEL]);
  }
}

/** The status after a client's update, from the current one and what the client asks. */
function nextStatus(row: SubscriptionRow, spec: SubscriptionSpec): SubscriptionStatusCode {
  if (spec.requestedStatus === 'off') return 'off';
  if (spec.requestedStatus === 'requested' || spec.endpoint !== row.endpoint || row.status === 'off') return 'requested';
  return row.status;
}
