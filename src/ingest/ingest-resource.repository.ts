import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PreparedQueries } from '../platform/database/prepared-query';

export interface ResourceRef {
  readonly resourceType: string;
  readonly id: string;
}

/**
 * A subquery (one row) that takes a transaction-scoped advisory lock per identity key in
 * `$keys` (text[]) of the tenant `$tenant`, in hash order. Every statement that locks
 * identities uses this text, so the same key is always the same lock; a statement may put it
 * before its own work (`IngestMessageRepository.claim` locks, then stores the message).
 */
export function identityLocksSql(tenant: string, keys: string): string {
  return `SELECT count(pg_advisory_xact_lock(h)) AS locked
            FROM (SELECT DISTINCT hashtextextended(${tenant} || chr(31) || k, 0) AS h FROM unnest(${keys}::text[]) AS k ORDER BY 1) AS locks`;
}

const LOCK_IDENTITIES = identityLocksSql('$1', '$2');

const WATERMARKS = `SELECT w.resource_type || '/' || w.resource_id AS ref, w.message_time AS at
  FROM ingest_resource_watermarks w
  JOIN unnest($2::text[], $3::text[]) AS r(resource_type, resource_id)
    ON w.resource_type = r.resource_type AND w.resource_id = r.resource_id
 WHERE w.tenant_id = $1`;

/**
 * Ingest's bookkeeping about the resources messages write, in the message's transaction:
 *
 * - identity locks: a transaction-scoped advisory lock per identity (`Type|system|value`) a
 *   message may create or update, taken in one statement in hash order (so two messages never
 *   wait on each other in a cycle). Two connections delivering the same patient serialise
 *   here, and the second finds what the first created instead of creating a twin.
 * - watermarks (`ingest_resource_watermarks`): the time of the newest message that wrote each
 *   resource, so an older message never overwrites newer data. They are advanced by the
 *   statement that records the message's outcome (`IngestMessageRepository.recordOutcome`).
 */
@Injectable()
export class IngestResourceRepository {
  private readonly prepared = new PreparedQueries();

  async lockIdentities(tx: EntityManager, tenantId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.prepared.rows(tx, LOCK_IDENTITIES, [tenantId, [...new Set(keys)]]);
  }

  /** The newest message time that wrote each resource, by `Type/id`. */
  async watermarks(tx: EntityManager, tenantId: string, refs: readonly ResourceRef[]): Promise<Map<string, number>> {
    if (refs.length === 0) return new Map();
    const rows = await this.prepared.rows<{ ref: string; at: Date }>(tx, WATERMARKS, [tenantId, refs.map((r) => r.resourceType), refs.map((r) => r.id)]);
    return new Map(rows.map((row) => [row.ref, row.at.getTime()]));
  }
}
