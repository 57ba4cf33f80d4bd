import { Injectable } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceVersion } from '@liaison/fhir-store';
import type { EntityManager } from 'typeorm';
import type { CteStatement } from '../../platform/database/cte-statement';
import { PreparedQueries } from '../../platform/database/prepared-query';

/** A version to write: the resource with its id and meta already assigned. */
export interface VersionToWrite {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly lastUpdated: string;
  /** The resource JSON, serialised once by the caller. */
  readonly json: string;
}

/** The current row of a resource, locked for the rest of the transaction. */
export interface CurrentRow {
  readonly versionId: number;
  readonly deleted: boolean;
  readonly content: Resource;
}

/** History paging position: the last row of the page before. */
export interface HistoryCursor {
  readonly lastUpdated: string;
  readonly id: string;
  readonly versionId: number;
}

interface Row {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  content: Resource;
}

/** jsonb does not keep key order; FHIR JSON conventionally starts with resourceType, id, meta. */
function conventionalOrder(content: Resource): Resource {
  const { resourceType, id, meta, ...rest } = content;
  return { resourceType, id, meta, ...rest } as Resource;
}

function toVersion(row: Row): ResourceVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated.toISOString(),
    deleted: row.deleted,
    content: conventionalOrder(row.content),
  };
}

const COLUMNS = 'tenant_id, resource_type, id, version_id, last_updated, deleted, content';

/**
 * The versions' contents as one JSON array text: sent as a single `jsonb` parameter and taken
 * apart with `jsonb_array_elements` (by ordinality). Each `json` is already JSON text, so this is
 * a join; a `text[]` of them would have every quote escaped by the driver, character by character.
 */
function contentsArray(versions: readonly VersionToWrite[]): string {
  return `[${versions.map((v) => v.json).join(',')}]`;
}

/**
 * SQL of the FHIR store: `fhir_resources` (current versions) and `fhir_resource_history`
 * (every version). Each write is one statement that writes both tables; every statement names
 * the tenant (row-level security checks it again).
 */
@Injectable()
export class FhirResourceRepository {
  /** The write and key-lookup statements below run prepared: their plans are key lookups whatever the values. */
  private readonly prepared = new PreparedQueries();

  /**
   * Adds the insert of first versions (current row and history) to `statement`; returns the
   * name of the CTE that returns the `id` of each row inserted (an id already taken is skipped:
   * the caller compares). The write path of creates, sent with their index rows and events.
   */
  addInsert(statement: CteStatement, versions: readonly VersionToWrite[]): string {
    const arrays = [
      `${statement.add(versions.map((v) => v.resourceType))}::text[]`,
      `${statement.add(versions.map((v) => v.id))}::text[]`,
      `${statement.add(versions.map((v) => v.versionId))}::int[]`,
      `${statement.add(versions.map((v) => v.lastUpdated))}::timestamptz[]`,
    ];
    statement.with(
      'written',
      `INSERT INTO fhir_resources (${COLUMNS})
       SELECT $1, t.resource_type, t.id, t.version_id, t.last_updated, false, c.content
         FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS t(resource_type, id, version_id, last_updated, n)
         JOIN jsonb_array_elements(${statement.add(contentsArray(versions))}::jsonb) WITH ORDINALITY AS c(content, n) ON c.n = t.n
       ON CONFLICT (tenant_id, resource_type, id) DO NOTHING
       RETURNING ${COLUMNS}`,
    );
    statement.with('written_history', `INSERT INTO fhir_resource_history (${COLUMNS}) SELECT ${COLUMNS} FROM written`);
    return 'written';
  }

  /** The current row, locked until the transaction ends (so versions are assigned in order). */
  async lockCurrent(tx: EntityManager, tenantId: string, resourceType: string, id: string): Promise<CurrentRow | undefined> {
    const rows: { version_id: number; deleted: boolean; content: Resource }[] = await this.prepared.rows(
      tx,
      `SELECT version_id, deleted, content FROM fhir_resources
        WHERE tenant_id = $1 AND resource_type = $2 AND id = $3 FOR UPDATE`,
      [tenantId, resourceType, id],
    );
    const row = rows[0];
    return row && { versionId: row.version_id, deleted: row.deleted, content: row.content };
  }

  /**
   * The current rows of several resources, locked until the transaction ends, in (type, id)
   * order so that two batches never wait on each other in a cycle. Missing ones are absent.
   */
  async lockCurrentMany(tx: EntityManager, tenantId: string, keys: readonly { resourceType: string; id: string }[]): Promise<Map<string, CurrentRow>> {
    const rows: { resource_type: string; id: string; version_id: number; deleted: boolean; content: Resource }[] = await this.prepared.rows(
      tx,
      `SELECT r.resource_type, r.id, r.version_id, r.deleted, r.content FROM fhir_resources r
         JOIN unnest($2::text[], $3::text[]) AS k(resource_type, id) ON r.resource_type = k.resource_type AND r.id = k.id
        WHERE r.tenant_id = $1 AND r.id = ANY($3::text[])
        ORDER BY r.resource_type, r.id FOR UPDATE OF r`,
      [tenantId, keys.map((k) => k.resourceType), keys.map((k) => k.id)],
    );
    return new Map(rows.map((row) => [`${row.resource_type}/${row.id}`, { versionId: row.version_id, deleted: row.deleted, content: row.content }]));
  }

  /**
   * Adds new versions of existing (locked) rows to `statement`: the current row updated (live
   * again if it was deleted) and the version appended to history. The write path of updates and
   * re-creates, sent with their index rows and events; deletes are `markDeleted`.
   */
  addNewVersions(statement: CteStatement, versions: readonly VersionToWrite[]): void {
    const ids = statement.add(versions.map((v) => v.id));
    const arrays = [
      `${statement.add(versions.map((v) => v.resourceType))}::text[]`,
      `${ids}::text[]`,
      `${statement.add(versions.map((v) => v.versionId))}::int[]`,
      `${statement.add(versions.map((v) => v.lastUpdated))}::timestamptz[]`,
    ];
    statement.with(
      'rewritten',
      `UPDATE fhir_resources r SET version_id = v.version_id, last_updated = v.last_updated, deleted = false, content = c.content
         FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS v(resource_type, id, version_id, last_updated, n)
         JOIN jsonb_array_elements(${statement.add(contentsArray(versions))}::jsonb) WITH ORDINALITY AS c(content, n) ON c.n = v.n
        WHERE r.tenant_id = $1 AND r.resource_type = v.resource_type AND r.id = v.id AND r.id = ANY(${ids}::text[])
       RETURNING r.tenant_id, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content`,
    );
    statement.with('rewritten_history', `INSERT INTO fhir_resource_history (${COLUMNS}) SELECT ${COLUMNS} FROM rewritten`);
  }

  /** Marks a resource deleted: a new version with deleted = true that keeps the last content. */
  async markDeleted(tx: EntityManager, tenantId: string, resourceType: string, id: string, versionId: number, at: string): Promise<void> {
    await this.prepared.rows(
      tx,
      `WITH written AS (
         UPDATE fhir_resources SET version_id = $4, last_updated = $5, deleted = true
          WHERE tenant_id = $1 AND resource_type = $2 AND id = $3
         RETURNING ${COLUMNS})
       INSERT INTO fhir_resource_history (${COLUMNS}) SELECT ${COLUMNS} FROM written`,
      [tenantId, resourceType, id, versionId, at],
    );
  }

  async current(tx: EntityManager, tenantId: string, resourceType: string, id: string): Promise<ResourceVersion | undefined> {
    const rows: Row[] = await this.prepared.rows(
      tx,
      `SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resources
        WHERE tenant_id = $1 AND resource_type = $2 AND id = $3`,
      [tenantId, resourceType, id],
    );
    return rows[0] && toVersion(rows[0]);
  }

  async version(tx: EntityManager, tenantId: string, resourceType: string, id: string, versionId: number): Promise<ResourceVersion | undefined> {
    const rows: Row[] = await this.prepared.rows(
      tx,
      `SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource_history
        WHERE tenant_id = $1 AND resource_type = $2 AND id = $3 AND version_id = $4`,
      [tenantId, resourceType, id, versionId],
    );
    return rows[0] && toVersion(rows[0]);
  }

  /** Versions of one resource, newest first. */
  async instanceHistory(
    tx: EntityManager,
    tenantId: string,
    resourceType: string,
    id: string,
    page: { limit: number; since?: string; beforeVersion?: number },
  ): Promise<ResourceVersion[]> {
    const rows: Row[] = await tx.query(
      `SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource_history
        WHERE tenant_id = $1 AND resource_type = $2 AND id = $3
          AND ($4::timestamptz IS NULL OR last_updated >= $4)
          AND ($5::int IS NULL OR version_id < $5)
        ORDER BY version_id DESC LIMIT $6`,
      [tenantId, resourceType, id, page.since ?? null, page.beforeVersion ?? null, page.limit],
    );
    return rows.map(toVersion);
  }

  /** Versions of every resource of a type, newest first, keyset-paged. */
  async typeHistory(
    tx: EntityManager,
    tenantId: string,
    resourceType: string,
    page: { limit: number; since?: string; after?: HistoryCursor },
  ): Promise<ResourceVersion[]> {
    const after = page.after;
    const rows: Row[] = await tx.query(
      `SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource_history
        WHERE tenant_id = $1 AND resource_type = $2
          AND ($3::timestamptz IS NULL OR last_updated >= $3)
          AND ($4::timestamptz IS NULL OR (last_updated, id, version_id) < ($4, $5, $6))
        ORDER BY last_updated DESC, id DESC, version_id DESC LIMIT $7`,
      [tenantId, resourceType, page.since ?? null, after?.lastUpdated ?? null, after?.id ?? null, after?.versionId ?? null, page.limit],
    );
    return rows.map(toVersion);
  }
}
