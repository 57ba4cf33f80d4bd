import { Injectable } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import type { OutboxEntry } from '@liaison/subscriptions';
import type { EntityManager } from 'typeorm';
import type { CteStatement } from '../../platform/database/cte-statement';
import { PreparedQueries } from '../../platform/database/prepared-query';

/** Any fixed number: one sequencer at a time across every service instance. */
const SEQUENCER_LOCK_KEY = 4_270_117;

/** An outbox row with its sequence, and the resource version it is about. */
export interface FeedEvent {
  readonly tenantId: string;
  readonly sequence: number;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly versionId: number;
  readonly interaction: 'create' | 'update' | 'delete';
  readonly topics: readonly string[];
  readonly occurredAt: string;
  /** The version's content (for a delete: the last content before it). */
  readonly content: Resource | undefined;
}

interface FeedRow {
  tenant_id: string;
  sequence: string;
  resource_type: string;
  resource_id: string;
  version_id: number;
  interaction: 'create' | 'update' | 'delete';
  topics: string[];
  occurred_at: Date;
  content: Resource | null;
}

function toFeedEvent(row: FeedRow): FeedEvent {
  return {
    tenantId: row.tenant_id,
    sequence: Number(row.sequence),
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    versionId: row.version_id,
    interaction: row.interaction,
    topics: row.topics,
    occurredAt: row.occurred_at.toISOString(),
    content: row.content ?? undefined,
  };
}

const FEED_COLUMNS = `o.tenant_id, o.sequence, o.resource_type, o.resource_id, o.version_id, o.interaction, o.topics, o.occurred_at, h.content`;
const HISTORY_JOIN = `LEFT JOIN fhir_resource_history h
  ON h.tenant_id = o.tenant_id AND h.resource_type = o.resource_type AND h.id = o.resource_id AND h.version_id = o.version_id`;

/**
 * SQL of the outbox (`fhir_outbox`, `fhir_outbox_heads`). Writers append in their transaction;
 * one sequencer at a time numbers committed rows per tenant; readers follow a tenant by sequence.
 */
@Injectable()
export class OutboxRepository {
  private readonly prepared = new PreparedQueries();

  /**
   * Appends a write's events to its transaction. No NOTIFY here: a NOTIFY in every writing
   * transaction serialises their commits (PostgreSQL holds one notify-queue lock from pre-commit
   * to the end of commit); ChangeFeed wakes the sequencer after commit instead.
   */
  async append(tx: EntityManager, tenantId: string, clientId: string, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.prepared.rows(
      tx,
      `INSERT INTO fhir_outbox (tenant_id, resource_type, resource_id, version_id, interaction, topics, occurred_at, client_id)
       SELECT $1, t.resource_type, t.resource_id, t.version_id, t.interaction, string_to_array(t.topics, ' '), t.occurred_at, $2
         FROM unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::timestamptz[])
              AS t(resource_type, resource_id, version_id, interaction, topics, occurred_at)`,
      [
        tenantId,
        clientId,
        entries.map((e) => e.resourceType),
        entries.map((e) => e.resourceId),
        entries.map((e) => e.versionId),
        entries.map((e) => e.interaction),
        entries.map((e) => e.topics.join(' ')),
        entries.map((e) => e.occurredAt),
      ],
    );
  }

  /** `append` as a CTE of `statement` (written only if `gate`, a CTE of it, returned a row). */
  addAppend(statement: CteStatement, clientId: string, entries: readonly OutboxEntry[], gate?: string): void {
    if (entries.length === 0) return;
    const client = statement.add(clientId);
    const arrays = [
      `${statement.add(entries.map((e) => e.resourceType))}::text[]`,
      `${statement.add(entries.map((e) => e.resourceId))}::text[]`,
      `${statement.add(entries.map((e) => e.versionId))}::int[]`,
      `${statement.add(entries.map((e) => e.interaction))}::text[]`,
      `${statement.add(entries.map((e) => e.topics.join(' ')))}::text[]`,
      `${statement.add(entries.map((e) => e.occurredAt))}::timestamptz[]`,
    ];
    statement.with(
      'outbox_appended',
      `INSERT INTO fhir_outbox (tenant_id, resource_type, resource_id, version_id, interaction, topics, occurred_at, client_id)
       SELECT $1, t.resource_type, t.resource_id, t.version_id, t.interaction, string_to_array(t.topics, ' '), t.occurred_at, ${client}
         FROM unnest(${arrays.join(', ')}) AS t(resource_type, resource_id, version_id, interaction, topics, occurred_at)` +
        (gate ? ` WHERE EXISTS (SELECT 1 FROM ${gate})` : ''),
    );
  }

  /**
   * Numbers up to `limit` committed, unnumbered rows (oldest first), per tenant, after each
   * tenant's last number; waits for any other sequencer first. Run as the service, in a
   * transaction of its own; the numbers become visible when it commits.
   */
  async assignSequences(tx: EntityManager, limit: number): Promise<FeedEvent[]> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SEQUENCER_LOCK_KEY]);
    const rows: FeedRow[] = await tx.query(
      `WITH batch AS (
         SELECT id, tenant_id FROM fhir_outbox WHERE sequence IS NULL ORDER BY id LIMIT $1 FOR UPDATE
       ), numbered AS (
         SELECT id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS n FROM batch
       ), counts AS (
         SELECT tenant_id, count(*) AS n FROM batch GROUP BY tenant_id
       ), heads AS (
         INSERT INTO fhir_outbox_heads (tenant_id, last_sequence) SELECT tenant_id, n FROM counts
         ON CONFLICT (tenant_id) DO UPDATE SET last_sequence = fhir_outbox_heads.last_sequence + EXCLUDED.last_sequence
         RETURNING tenant_id, last_sequence
       ), numbered_rows AS (
         UPDATE fhir_outbox o SET sequence = heads.last_sequence - counts.n + numbered.n
           FROM numbered JOIN counts USING (tenant_id) JOIN heads USING (tenant_id)
          WHERE o.id = numbered.id
         RETURNING o.*
       )
       SELECT ${FEED_COLUMNS} FROM numbered_rows o ${HISTORY_JOIN} ORDER BY o.tenant_id, o.sequence`,
      [limit],
    );
    return rows.map(toFeedEvent);
  }

  /** A tenant's events after `afterSequence`, in order, at most `limit`. */
  async readAfter(tx: EntityManager, tenantId: string, afterSequence: number, limit: number): Promise<FeedEvent[]> {
    const rows: FeedRow[] = await tx.query(
      `SELECT ${FEED_COLUMNS} FROM fhir_outbox o ${HISTORY_JOIN}
        WHERE o.tenant_id = $1 AND o.sequence > $2 AND o.sequence IS NOT NULL
        ORDER BY o.sequence LIMIT $3`,
      [tenantId, afterSequence, limit],
    );
    return rows.map(toFeedEvent);
  }

  /** Some of a tenant's events, by sequence, in order. */
  async readSequences(tx: EntityManager, tenantId: string, sequences: readonly number[]): Promise<FeedEvent[]> {
    if (sequences.length === 0) return [];
    const rows: FeedRow[] = await tx.query(
      `SELECT ${FEED_COLUMNS} FROM fhir_outbox o ${HISTORY_JOIN}
        WHERE o.tenant_id = $1 AND o.sequence = ANY($2::bigint[])
        ORDER BY o.sequence`,
      [tenantId, sequences],
    );
    return rows.map(toFeedEvent);
  }

  /** The tenant's last assigned sequence (0 before its first event). */
  async head(tx: EntityManager, tenantId: string): Promise<number> {
    const rows: { last_sequence: string }[] = await tx.query(`SELECT last_sequence FROM fhir_outbox_heads WHERE tenant_id = $1`, [tenantId]);
    return rows[0] ? Number(rows[0].last_sequence) : 0;
  }

  /** Every tenant's last assigned sequence. */
  async heads(tx: EntityManager): Promise<Map<string, number>> {
    const rows: { tenant_id: string; last_sequence: string }[] = await tx.query(`SELECT tenant_id, last_sequence FROM fhir_outbox_heads`);
    return new Map(rows.map((row) => [row.tenant_id, Number(row.last_sequence)]));
  }
}
