import { Injectable } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import type { EntityManager } from 'typeorm';
import { PreparedQueries } from '../../platform/database/prepared-query';

/** A resource that points at one of the targets asked about, and which target. */
export interface ReferencingRow {
  readonly targetId: string;
  readonly resource: Resource;
}

/** Which resources count as related to a target: `resourceType` pointing at it through `param`. */
export interface ReferencePath {
  readonly resourceType: string;
  readonly param: string;
}

/** One stored version, with the status of the version before it (for "a → b" summaries). */
export interface VersionRow {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly lastUpdated: string;
  readonly deleted: boolean;
  readonly content: Resource;
  readonly previousStatus: string | undefined;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

function assertType(resourceType: string): void {
  if (!RESOURCE_TYPE.test(resourceType)) throw new Error(`not a resource type: ${resourceType}`);
}

/**
 * Reads of several resources in one statement, for views that show many at once (a page of
 * Tasks with their patients, a patient with everything about them): by id, by what they
 * reference (from the search index), and their version history. Tenant-named like every
 * statement of the store; live versions only unless said otherwise.
 */
@Injectable()
export class ResourceReadsRepository {
  private readonly prepared = new PreparedQueries();

  async currentMany(tx: EntityManager, tenantId: string, resourceType: string, ids: readonly string[]): Promise<Resource[]> {
    if (ids.length === 0) return [];
    assertType(resourceType);
    const rows = await this.prepared.rows<{ content: Resource }>(
      tx,
      `SELECT content FROM fhir_resources
        WHERE tenant_id = $1 AND resource_type = '${resourceType}' AND id = ANY($2::text[]) AND NOT deleted`,
      [tenantId, [...new Set(ids)]],
    );
    return rows.map((row) => row.content);
  }

  /**
   * Live `resourceType` resources with the identifier `system|value` (exactly as the
   * `identifier` token search matches it), at most `limit`, by id. Starts from the token index
   * (an equality on its whole prefix), so the plan is the same whatever the values and the
   * statistics: a fresh database without them does not scan the resource table.
   */
  async byIdentifier(tx: EntityManager, tenantId: string, resourceType: string, system: string, value: string, limit: number): Promise<Resource[]> {
    assertType(resourceType);
    const rows = await this.prepared.rows<{ content: Resource }>(
      tx,
      `SELECT DISTINCT ON (r.id) r.content
         FROM fhir_search_token s
         JOIN fhir_resources r ON r.tenant_id = s.tenant_id AND r.resource_type = s.resource_type AND r.id = s.resource_id
        WHERE s.tenant_id = $1 AND s.resource_type = '${resourceType}' AND s.param = 'identifier' AND s.code = $2 AND s.system = $3
          AND NOT r.deleted
        ORDER BY r.id LIMIT $4`,
      [tenantId, value, system, limit],
    );
    return rows.map((row) => row.content);
  }

  /** Live `sourceType` resources whose `params` reference one of `targetType`/`targetIds`. */
  async referencing(
    tx: EntityManager,
    tenantId: string,
    sourceType: string,
    params: readonly string[],
    targetType: string,
    targetIds: readonly string[],
    limit: number,
  ): Promise<ReferencingRow[]> {
    if (targetIds.length === 0) return [];
    assertType(sourceType);
    assertType(targetType);
    const rows = await this.prepared.rows<{ target_id: string; content: Resource }>(
      tx,
      `SELECT DISTINCT ON (s.target_id, t.id) s.target_id, t.content
         FROM fhir_search_reference s
         JOIN fhir_resources t ON t.tenant_id = s.tenant_id AND t.resource_type = s.resource_type AND t.id = s.resource_id
        WHERE s.tenant_id = $1 AND s.resource_type = '${sourceType}' AND s.param = ANY($2::text[])
          AND s.target_type = '${targetType}' AND s.target_id = ANY($3::text[]) AND NOT t.deleted
        ORDER BY s.target_id, t.id LIMIT $4`,
      [tenantId, params, [...new Set(targetIds)], limit],
    );
    return rows.map((row) => ({ targetId: row.target_id, resource: row.content }));
  }

  /**
   * `referencing` for several (source type, param) paths at once, in one statement: per path,
   * in the order given, what `referencing` would return for it (its own `limit`).
   */
  async referencingThrough(
    tx: EntityManager,
    tenantId: string,
    paths: readonly ReferencePath[],
    targetType: string,
    targetIds: readonly string[],
    limit: number,
  ): Promise<ReferencingRow[]> {
    if (targetIds.length === 0 || paths.length === 0) return [];
    paths.forEach((path) => assertType(path.resourceType));
    assertType(targetType);
    const rows = await this.prepared.rows<{ target_id: string; content: Resource }>(
      tx,
      `SELECT x.target_id, x.content
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p(resource_type, param, n)
        CROSS JOIN LATERAL (
          SELECT DISTINCT ON (s.target_id, t.id) s.target_id, t.id, t.content
            FROM fhir_search_reference s
            JOIN fhir_resources t ON t.tenant_id = s.tenant_id AND t.resource_type = s.resource_type AND t.id = s.resource_id
           WHERE s.tenant_id = $1 AND s.resource_type = p.resource_type AND s.param = p.param
             AND s.target_type = '${targetType}' AND s.target_id = ANY($4::text[]) AND NOT t.deleted
           ORDER BY s.target_id, t.id LIMIT $5) x
        ORDER BY p.n, x.target_id, x.id`,
      [tenantId, paths.map((p) => p.resourceType), paths.map((p) => p.param), [...new Set(targetIds)], limit],
    );
    return rows.map((row) => ({ targetId: row.target_id, resource: row.content }));
  }

  /**
   * The versions of a target and of the live resources related to it through `paths`, newest
   * first (a timeline). Each carries the previous version's `status`.
   */
  async historyOfRelated(
    tx: EntityManager,
    tenantId: string,
    target: { resourceType: string; id: string },
    paths: readonly ReferencePath[],
    limit: number,
  ): Promise<VersionRow[]> {
    assertType(target.resourceType);
    const rows: {
      resource_type: string;
      id: string;
      version_id: number;
      last_updated: Date;
      deleted: boolean;
      content: Resource;
      previous_status: string | null;
    }[] = await tx.query(
      `WITH related AS (
         SELECT DISTINCT s.resource_type, s.resource_id AS id
           FROM fhir_search_reference s
           JOIN unnest($3::text[], $4::text[]) AS p(resource_type, param) ON p.resource_type = s.resource_type AND p.param = s.param
          WHERE s.tenant_id = $1 AND s.target_type = '${target.resourceType}' AND s.target_id = $2
         UNION SELECT '${target.resourceType}', $2)
       SELECT h.resource_type, h.id, h.version_id, h.last_updated, h.deleted, h.content, h.previous_status
         FROM (SELECT h.*, lag(h.content->>'status') OVER (PARTITION BY h.resource_type, h.id ORDER BY h.version_id) AS previous_status
                 FROM fhir_resource_history h JOIN related r ON r.resource_type = h.resource_type AND r.id = h.id
                WHERE h.tenant_id = $1) h
        ORDER BY h.last_updated DESC, h.resource_type, h.id, h.version_id DESC
        LIMIT $5`,
      [tenantId, target.id, paths.map((p) => p.resourceType), paths.map((p) => p.param), limit],
    );
    return rows.map((row) => ({
      resourceType: row.resource_type,
      id: row.id,
      versionId: row.version_id,
      lastUpdated: row.last_updated.toISOString(),
      deleted: row.deleted,
      content: row.content,
      previousStatus: row.previous_status ?? undefined,
    }));
  }
}
