import { Injectable } from '@nestjs/common';
import type { ChannelHeader, FilterCriterion, PayloadContent, SubscriptionStatusCode } from '@liaison/subscriptions';
import type { EntityManager } from 'typeorm';

/** What a client's Subscription asks for (the columns a create or update writes). */
export interface SubscriptionSettings {
  readonly topic: string;
  readonly filters: readonly FilterCriterion[];
  readonly endpoint: string;
  readonly payload: PayloadContent;
  readonly contentType: string;
  readonly headers: readonly ChannelHeader[];
  readonly heartbeatSeconds: number | undefined;
  readonly timeoutSeconds: number;
  readonly maxCount: number;
  readonly endsAt: Date | undefined;
}

/** A subscription's delivery state (one `event_subscriptions` row). */
export interface SubscriptionRow extends SubscriptionSettings {
  readonly tenantId: string;
  readonly id: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly status: SubscriptionStatusCode;
  readonly secret: string;
  readonly previousSecret: string | undefined;
  readonly previousSecretExpiresAt: Date | undefined;
  readonly scannedSequence: number;
  readonly eventCount: number;
  readonly deliveredCount: number;
  readonly handshakePending: boolean;
  readonly handshakeSerial: number;
  readonly inflight: { readonly from: number; readonly to: number } | undefined;
  readonly consecutiveFailures: number;
  readonly failingSince: Date | undefined;
  readonly nextAttemptAt: Date | undefined;
  readonly lastSentAt: Date | undefined;
  readonly lastError: string | undefined;
  readonly createdAt: Date;
}

/** The outcome of a delivery attempt, as written back. */
export interface AttemptRecord {
  readonly status: SubscriptionStatusCode;
  readonly handshakePending: boolean;
  readonly deliveredCount: number;
  readonly inflight: { readonly from: number; readonly to: number } | undefined;
  readonly consecutiveFailures: number;
  readonly failingSince: Date | undefined;
  readonly nextAttemptAt: Date | undefined;
  readonly lastSentAt: Date | undefined;
  readonly lastError: string | undefined;
  /** Keep the lease until then (more to send right away), or release it (undefined). */
  readonly leaseUntil: Date | undefined;
}

interface Row {
  tenant_id: string;
  id: string;
  client_id: string;
  scopes: string[];
  topic: string;
  filters: FilterCriterion[];
  endpoint: string;
  payload: PayloadContent;
  content_type: string;
  headers: ChannelHeader[];
  heartbeat_seconds: number | null;
  timeout_seconds: number;
  max_count: number;
  ends_at: Date | null;
  status: SubscriptionStatusCode;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  scanned_sequence: string;
  event_count: string;
  delivered_count: string;
  handshake_pending: boolean;
  handshake_serial: number;
  inflight_from: string | null;
  inflight_to: string | null;
  consecutive_failures: number;
  failing_since: Date | null;
  next_attempt_at: Date | null;
  last_sent_at: Date | null;
  last_error: string | null;
  created_at: Date;
}

function toRow(row: Row): SubscriptionRow {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    clientId: row.client_id,
    scopes: row.scopes,
    topic: row.topic,
    filters: row.filters,
    endpoint: row.endpoint,
    payload: row.payload,
    contentType: row.content_type,
    headers: row.headers,
    heartbeatSeconds: row.heartbeat_seconds ?? undefined,
    timeoutSeconds: row.timeout_seconds,
    maxCount: row.max_count,
    endsAt: row.ends_at ?? undefined,
    status: row.status,
    secret: row.secret,
    previousSecret: row.previous_secret ?? undefined,
    previousSecretExpiresAt: row.previous_secret_expires_at ?? undefined,
    scannedSequence: Number(row.scanned_sequence),
    eventCount: Number(row.event_count),
    deliveredCount: Number(row.delivered_count),
    handshakePending: row.handshake_pending,
    handshakeSerial: row.handshake_serial,
    inflight: row.inflight_from !== null && row.inflight_to !== null ? { from: Number(row.inflight_from), to: Number(row.inflight_to) } : undefined,
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since ?? undefined,
    nextAttemptAt: row.next_attempt_at ?? undefined,
    lastSentAt: row.last_sent_at ?? undefined,
    lastError: row.last_error ?? undefined,
    createdAt: row.created_at,
  };
}

/** Seconds a worker keeps a claimed subscription beyond its request timeout. */
const LEASE_MARGIN_SECONDS = 5;

/**
 * SQL of the events module: `event_subscriptions` (delivery state) and
 * `event_subscription_events` (each subscription's numbered events). Every statement names the
 * tenant, except the cross-tenant ones of the relay and the workers (run as the service).
 */
@Injectable()
export class SubscriptionRepository {
  async insert(
    tx: EntityManager,
    row: { tenantId: string; id: string; clientId: string; scopes: readonly string[]; secret: string; scannedSequence: number; createdAt: Date; status: SubscriptionStatusCode },
    settings: SubscriptionSettings,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO event_subscriptions (tenant_id, id, client_id, scopes, secret, scanned_sequence, created_at, status, next_attempt_at,
         topic, filters, endpoint, payload, content_type, headers, heartbeat_seconds, timeout_seconds, max_count, ends_at, handshake_pending)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text, $7, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $8::text = 'requested')`,
      [row.tenantId, row.id, row.clientId, row.scopes, row.secret, row.scannedSequence, row.createdAt, row.status, ...settingsParams(settings)],
    );
  }

  /**
   * A client's update: new settings and status. `requested` (re)starts the handshake and the
   * retry schedule (a subscription in `error` is retried from where it stopped).
   */
  async update(tx: EntityManager, tenantId: string, id: string, settings: SubscriptionSettings, status: SubscriptionStatusCode, now: Date): Promise<void> {
    await tx.query(
      `UPDATE event_subscriptions SET
         topic = $3, filters = $4, endpoint = $5, payload = $6, content_type = $7, headers = $8, heartbeat_seconds = $9,
         timeout_seconds = $10, max_count = $11, ends_at = $12, status = $13::text,
         handshake_pending = ($13::text = 'requested'),
         handshake_serial = handshake_serial + CASE WHEN $13::text = 'requested' THEN 1 ELSE 0 END,
         consecutive_failures = CASE WHEN $13::text = 'requested' THEN 0 ELSE consecutive_failures END,
         failing_since = CASE WHEN $13::text = 'requested' THEN NULL ELSE failing_since END,
         next_attempt_at = CASE WHEN $13::text = 'requested' THEN $14 ELSE next_attempt_at END,
         last_error = CASE WHEN $13::text = 'requested' THEN NULL ELSE last_error END
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, ...settingsParams(settings), status, now],
    );
  }

  async find(tx: EntityManager, tenantId: string, id: string): Promise<SubscriptionRow | undefined> {
    const rows: Row[] = await tx.query(`SELECT * FROM event_subscriptions WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] && toRow(rows[0]);
  }

  async list(tx: EntityManager, tenantId: string, filter: { ids?: readonly string[]; statuses?: readonly string[] }): Promise<SubscriptionRow[]> {
    const rows: Row[] = await tx.query(
      `SELECT * FROM event_subscriptions
        WHERE tenant_id = $1 AND ($2::text[] IS NULL OR id = ANY($2)) AND ($3::text[] IS NULL OR status = ANY($3))
        ORDER BY created_at, id`,
      [tenantId, filter.ids?.length ? filter.ids : null, filter.statuses?.length ? filter.statuses : null],
    );
    return rows.map(toRow);
  }

  async delete(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query(`DELETE FROM event_subscriptions WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  /** A new current secret; the old one stays valid (signed with too) until `previousExpiresAt`. */
  async rotateSecret(tx: EntityManager, tenantId: string, id: string, secret: string, previousExpiresAt: Date): Promise<void> {
    await tx.query(
      `UPDATE event_subscriptions SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, secret, previousExpiresAt],
    );
  }

  /** Sets the status alone (a subscription past its end, or a client no longer allowed to read). */
  async setStatus(tx: EntityManager, tenantId: string, id: string, status: SubscriptionStatusCode, error: string | undefined): Promise<void> {
    await tx.query(
      `UPDATE event_subscriptions SET status = $3::text, last_error = $4, lease_owner = NULL, lease_until = NULL,
         next_attempt_at = CASE WHEN $3::text = 'off' OR $3::text = 'error' THEN NULL ELSE next_attempt_at END
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, status, error ?? null],
    );
  }

  // --- the relay: matching the outbox into subscriptions (one relay at a time) -----------------

  /** Subscriptions that still take events, of these tenants. */
  async matchable(tx: EntityManager, tenantIds: readonly string[]): Promise<SubscriptionRow[]> {
    if (tenantIds.length === 0) return [];
    const rows: Row[] = await tx.query(`SELECT * FROM event_subscriptions WHERE tenant_id = ANY($1) AND status <> 'off'`, [tenantIds]);
    return rows.map(toRow);
  }

  /** Subscriptions behind their tenant's feed head (created while the relay was matching). */
  async lagging(tx: EntityManager, heads: ReadonlyMap<string, number>): Promise<SubscriptionRow[]> {
    if (heads.size === 0) return [];
    const rows: Row[] = await tx.query(
      `SELECT s.* FROM event_subscriptions s
         JOIN unnest($1::text[], $2::bigint[]) AS h(tenant_id, head) ON h.tenant_id = s.tenant_id
        WHERE s.status <> 'off' AND s.scanned_sequence < h.head`,
      [[...heads.keys()], [...heads.values()]],
    );
    return rows.map(toRow);
  }

  /** Appends matched events and moves each subscription's scan position (and event count). */
  async appendMatches(
    tx: EntityManager,
    events: readonly { tenantId: string; subscriptionId: string; eventNumber: number; sequence: number }[],
    positions: readonly { tenantId: string; id: string; eventCount: number; scannedSequence: number }[],
  ): Promise<void> {
    if (events.length > 0) {
      await tx.query(
        `INSERT INTO event_subscription_events (tenant_id, subscription_id, event_number, sequence)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])`,
        [events.map((e) => e.tenantId), events.map((e) => e.subscriptionId), events.map((e) => e.eventNumber), events.map((e) => e.sequence)],
      );
    }
    if (positions.length > 0) {
      await tx.query(
        `UPDATE event_subscriptions s SET event_count = p.event_count, scanned_sequence = p.scanned_sequence
           FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS p(tenant_id, id, event_count, scanned_sequence)
          WHERE s.tenant_id = p.tenant_id AND s.id = p.id`,
        [positions.map((p) => p.tenantId), positions.map((p) => p.id), positions.map((p) => p.eventCount), positions.map((p) => p.scannedSequence)],
      );
    }
  }

  /** Outbox sequences of a subscription's events `from`..`to` (event numbers), in order. */
  async eventSequences(tx: EntityManager, tenantId: string, subscriptionId: string, from: number, to: number): Promise<{ eventNumber: number; sequence: number }[]> {
    const rows: { event_number: string; sequence: string }[] = await tx.query(
      `SELECT event_number, sequence FROM event_subscription_events
        WHERE tenant_id = $1 AND subscription_id = $2 AND event_number BETWEEN $3 AND $4 ORDER BY event_number`,
      [tenantId, subscriptionId, from, to],
    );
    return rows.map((row) => ({ eventNumber: Number(row.event_number), sequence: Number(row.sequence) }));
  }

  // --- the delivery workers ---------------------------------------------------------------------

  /**
   * Claims up to `limit` subscriptions with something due at `now` (a handshake, events, a
   * heartbeat, an end reached) that no live lease holds: `FOR UPDATE SKIP LOCKED`, so
   * concurrent workers of every instance take different ones; the lease (request timeout plus
   * a margin) lets another worker take over if this one dies.
   */
  async claimDue(tx: EntityManager, owner: string, now: Date, limit: number): Promise<SubscriptionRow[]> {
    const rows = await updateReturning(
      tx,
      `UPDATE event_subscriptions s
          SET lease_owner = $1, lease_until = $2::timestamptz + (s.timeout_seconds + ${LEASE_MARGIN_SECONDS}) * interval '1 second'
        WHERE (s.tenant_id, s.id) IN (
          SELECT tenant_id, id FROM event_subscriptions
           WHERE status <> 'off' AND next_attempt_at IS NOT NULL AND next_attempt_at <= $2
             AND (lease_until IS NULL OR lease_until < $2)
             AND (handshake_pending
                  OR (status <> 'requested' AND (delivered_count < event_count OR inflight_to IS NOT NULL))
                  OR (status = 'active' AND heartbeat_seconds IS NOT NULL
                      AND (last_sent_at IS NULL OR last_sent_at + heartbeat_seconds * interval '1 second' <= $2))
                  OR (ends_at IS NOT NULL AND ends_at <= $2))
           ORDER BY next_attempt_at
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
       RETURNING s.*`,
      [owner, now, limit],
    );
    return rows.map(toRow);
  }

  /** Re-reads a claimed subscription (its counts move while it is being delivered). */
  async findLeased(tx: EntityManager, tenantId: string, id: string, owner: string): Promise<SubscriptionRow | undefined> {
    const rows: Row[] = await tx.query(`SELECT * FROM event_subscriptions WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3`, [tenantId, id, owner]);
    return rows[0] && toRow(rows[0]);
  }

  /** Writes an attempt's outcome, if this worker still holds the lease: the row as it is now, or undefined when the lease was lost. */
  async recordAttempt(tx: EntityManager, tenantId: string, id: string, owner: string, record: AttemptRecord): Promise<SubscriptionRow | undefined> {
    const rows = await updateReturning(
      tx,
      `UPDATE event_subscriptions SET
         status = CASE WHEN status = 'off' THEN 'off' ELSE $4::text END,
         handshake_pending = $5, delivered_count = GREATEST(delivered_count, $6), inflight_from = $7, inflight_to = $8,
         consecutive_failures = $9, failing_since = $10, next_attempt_at = $11, last_sent_at = $12, last_error = $13,
         lease_owner = CASE WHEN $14::timestamptz IS NULL THEN NULL ELSE lease_owner END, lease_until = $14
       WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3
       RETURNING *`,
      [
        tenantId,
        id,
        owner,
        record.status,
        record.handshakePending,
        record.deliveredCount,
        record.inflight?.from ?? null,
        record.inflight?.to ?? null,
        record.consecutiveFailures,
        record.failingSince ?? null,
        record.nextAttemptAt ?? null,
        record.lastSentAt ?? null,
        record.lastError ?? null,
        record.leaseUntil ?? null,
      ],
    );
    return rows[0] && toRow(rows[0]);
  }

  /** Gives a claimed subscription back with nothing sent (to be looked at again after `retryAt`, if given). */
  async release(tx: EntityManager, tenantId: string, id: string, owner: string, retryAt?: Date): Promise<void> {
    await tx.query(
      `UPDATE event_subscriptions SET lease_owner = NULL, lease_until = NULL,
         next_attempt_at = CASE WHEN $4::timestamptz IS NULL THEN next_attempt_at ELSE GREATEST(next_attempt_at, $4) END
        WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3`,
      [tenantId, id, owner, retryAt ?? null],
    );
  }
}

/** An UPDATE … RETURNING: TypeORM answers `[rows, count]` for UPDATE statements. */
async function updateReturning(tx: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const result = (await tx.query(sql, params)) as [Row[], number] | Row[];
  return Array.isArray(result[0]) ? (result[0] as Row[]) : (result as Row[]);
}

function settingsParams(settings: SubscriptionSettings): unknown[] {
  return [
    settings.topic,
    JSON.stringify(settings.filters),
    settings.endpoint,
    settings.payload,
    settings.contentType,
    JSON.stringify(settings.headers),
    settings.heartbeatSeconds ?? null,
    settings.timeoutSeconds,
    settings.maxCount,
    settings.endsAt ?? null,
  ];
}
