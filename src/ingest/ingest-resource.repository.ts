import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface ResourceRef {
  readonly resourceType: string;
  readonly id: string;
}

/**
 * Ingest's bookkeeping about the resources messages write, in the message's transaction:
 *
 * - identity locks: a transaction-scoped advisory lock per identity (`Type|system|value`) a
 *   message may create or update, taken in one statement in hash order (so two messages never
 *   wait on each other in a cycle). Two connections delivering the same patient serialise
 *   here, and the second finds what the first created instead of creating a twin.
 * - watermarks (`ingest_resource_watermarks`): the time of the newest message that wrote each
 *   resource, so an older message never overwrites newer data.
 */
@Injectable()
export class IngestResourceRepository {
  async lockIdentities(tx: EntityManager, tenantId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await tx.query(
      `SELECT count(pg_advisory_xact_lock(h))
         FROM (SELECT DISTINCT hashtextextended($1 || chr(31) || k, 0) AS h FROM unnest($2::text[]) AS k ORDER BY 1) AS locks`,
      [tenantId, [...new Set(keys)]],
    );
  }

  /** The newest message time that wrote each resource, by `Type/id`. */
  async watermarks(tx: EntityManager, tenantId: string, refs: readonly ResourceRef[]): Promise<Map<string, number>> {
    if (refs.length === 0) return new Map();
    const rows: { ref: string; at: Date }[] = await tx.query(
      `SELECT w.resource_type || '/' || w.resource_id AS ref, w.message_time AS at
         FROM ingest_resource_watermarks w
         JOIN unnest($2::text[], $3::text[]) AS r(resource_type, resource_id)
           ON w.resource_type = r.resource_type AND w.resource_id = r.resource_id
        WHERE w.tenant_id = $1`,
      [tenantId, refs.map((r) => r.resourceType), refs.map((r) => r.id)],
    );
    return new Map(rows.map((row) => [row.ref, row.at.getTime()]));
  }

  /** Records that a message of `messageTime` wrote these resources (never moves a watermark back). */
  async advance(tx: EntityManager, tenantId: string, refs: readonly ResourceRef[], messageTime: string, messageId: string): Promise<void> {
    const unique = [...new Map(refs.map((r) => [`${r.resourceType}/${r.id}`, r])).values()];
    if (unique.length === 0) return;
    await tx.query(
      `INSERT INTO ingest_resource_watermarks (tenant_id, resource_type, resource_id, message_time, message_id)
       SELECT $1, r.resource_type, r.resource_id, $4, $5 FROM unnest($2::text[], $3::text[]) AS r(resource_type, resource_id)
       ON CONFLICT (tenant_id, resource_type, resource_id)
       DO UPDATE SET message_time = EXCLUDED.message_time, message_id = EXCLUDED.message_id
       WHERE ingest_resource_watermarks.message_time <= EXCLUDED.message_time`,
      [tenantId, unique.map((r) => r.resourceType), unique.map((r) => r.id), messageTime, messageId],
    );
  }
}
