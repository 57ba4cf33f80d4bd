import { Injectable } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import type { ParsedSearch, SearchFilter, SearchParamDef } from '@liaison/fhir-search';
import { EntityManager } from 'typeorm';
import { PreparedQueries } from '../../platform/database/prepared-query';
import { isWorklistOnly, newContext, orderSql, TENANT, whereSql, worklistPageSql } from './search-query.builder';

/**
 * A matched row: the resource as PostgreSQL's JSON text (spliced into the response as is, or
 * parsed when a caller needs the object) and its sort-key values as text (for the next cursor).
 */
export interface MatchRow {
  readonly id: string;
  readonly json: string;
  readonly keys: readonly (string | null)[];
}

/** Whose rows a search reads, and our FHIR base (which stored absolute references start with). */
export interface SearchScope {
  readonly tenantId: string;
  readonly baseUrl: string;
}

interface ContentRow {
  resource_type?: string;
  id: string;
  content: Resource;
  [key: string]: unknown;
}

interface PageRow {
  id: string;
  /** `content::text`: the JSON text, not parsed by the driver. */
  content: string;
  [key: string]: unknown;
}

/** Most resources one `_include`/`_revinclude` step adds to a page. */
export const MAX_INCLUDED = 1000;

/**
 * The SQL of search: every statement names the tenant (`$1`) so the tenant-leading indexes are
 * used, on top of row-level security. Runs in the caller's transaction.
 */
@Injectable()
export class SearchRepository {
  private readonly prepared = new PreparedQueries();

  /** `limit` rows of the search's current page, in its sort order, after its cursor. */
  async findPage(
    tx: EntityManager,
    scope: SearchScope,
    search: ParsedSearch,
    statusParam: SearchParamDef | undefined,
    limit: number,
  ): Promise<MatchRow[]> {
    const ctx = newContext(scope.tenantId, scope.baseUrl);
    const worklist = worklistPageSql(ctx, search, statusParam, limit);
    const rows = worklist ? await this.prepared.rows<PageRow>(tx, worklist, ctx.params.values) : await this.planned(tx, scope, search, statusParam, limit);
    return rows.map((row) => ({
      id: row.id,
      json: row.content,
      keys: search.sort.map((_, i) => (row[`k${i}`] as string | null) ?? null),
    }));
  }

  /** A page by a statement planned for its values (or prepared when it is a worklist query whatever the values). */
  private planned(tx: EntityManager, scope: SearchScope, search: ParsedSearch, statusParam: SearchParamDef | undefined, limit: number): Promise<PageRow[]> {
    const ctx = newContext(scope.tenantId, scope.baseUrl);
    const where = whereSql(ctx, search, statusParam);
    const order = orderSql(ctx, search.sort, search.cursor);
    const limitParam = ctx.params.add(limit);
    const sql = `SELECT ${order.select} FROM fhir_resources r WHERE ${where} AND ${order.after} ORDER BY ${order.orderBy} LIMIT ${limitParam}`;
    return isWorklistOnly(search, statusParam) ? this.prepared.rows<PageRow>(tx, sql, ctx.params.values) : tx.query(sql, ctx.params.values);
  }

  /** How many resources match (ignoring paging). */
  async count(tx: EntityManager, scope: SearchScope, search: ParsedSearch, statusParam: SearchParamDef | undefined): Promise<number> {
    const ctx = newContext(scope.tenantId, scope.baseUrl);
    const where = whereSql(ctx, search, statusParam);
    const [row] = await tx.query(`SELECT count(*)::int AS total FROM fhir_resources r WHERE ${where}`, ctx.params.values);
    return row.total as number;
  }

  /** Ids of matching resources (conditional interactions): only the filters apply. */
  async findIds(
    tx: EntityManager,
    scope: SearchScope,
    resourceType: string,
    filters: readonly SearchFilter[],
    statusParam: SearchParamDef | undefined,
    limit: number,
  ): Promise<string[]> {
    const ctx = newContext(scope.tenantId, scope.baseUrl);
    const search = { resourceType, filters } as ParsedSearch;
    const where = whereSql(ctx, search, statusParam);
    const rows: { id: string }[] = await tx.query(
      `SELECT r.id FROM fhir_resources r WHERE ${where} ORDER BY r.id LIMIT ${ctx.params.add(limit)}`,
      ctx.params.values,
    );
    return rows.map((row) => row.id);
  }

  /**
   * `_include`: the live resources that `sources` (all of `sourceType`) point at through
   * `params`, optionally only those of `targetType`.
   */
  async findReferenced(
    tx: EntityManager,
    tenantId: string,
    sourceType: string,
    sourceIds: readonly string[],
    params: readonly string[],
    targetType: string | undefined,
  ): Promise<Resource[]> {
    const values: unknown[] = [tenantId, sourceType, sourceIds, params];
    const typeFilter = targetType ? `AND s.target_type = $${values.push(targetType)}` : 'AND s.target_type IS NOT NULL';
    const rows: ContentRow[] = await tx.query(
      `SELECT DISTINCT ON (t.resource_type, t.id) t.id, t.content FROM fhir_search_reference s` +
        ` JOIN fhir_resources t ON t.tenant_id = s.tenant_id AND t.resource_type = s.target_type AND t.id = s.target_id` +
        ` WHERE s.tenant_id = ${TENANT} AND s.resource_type = $2 AND s.resource_id = ANY($3::text[])` +
        ` AND s.param = ANY($4::text[]) ${typeFilter} AND NOT t.deleted` +
        ` ORDER BY t.resource_type, t.id LIMIT ${MAX_INCLUDED}`,
      values,
    );
    return rows.map((row) => row.content);
  }

  /**
   * `_revinclude`: the live resources of `sourceType` whose `params` point at one of `targets`
   * (all of `targetType`).
   */
  async findReferencing(
    tx: EntityManager,
    tenantId: string,
    sourceType: string,
    params: readonly string[],
    targetType: string,
    targetIds: readonly string[],
  ): Promise<Resource[]> {
    const rows: ContentRow[] = await tx.query(
      `SELECT DISTINCT ON (t.id) t.id, t.content FROM fhir_search_reference s` +
        ` JOIN fhir_resources t ON t.tenant_id = s.tenant_id AND t.resource_type = s.resource_type AND t.id = s.resource_id` +
        ` WHERE s.tenant_id = ${TENANT} AND s.resource_type = $2 AND s.param = ANY($3::text[])` +
        ` AND s.target_id = ANY($5::text[]) AND s.target_type = $4 AND NOT t.deleted` +
        ` ORDER BY t.id LIMIT ${MAX_INCLUDED}`,
      [tenantId, sourceType, params, targetType, targetIds],
    );
    return rows.map((row) => row.content);
  }
}
