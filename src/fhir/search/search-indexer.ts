import { Inject, Injectable } from '@nestjs/common';
import type { Resource, Task } from '@medplum/fhirtypes';
import { extractSearchValues, SearchCatalog, SearchValues } from '@liaison/fhir-search';
import { EntityManager } from 'typeorm';
import { LIAISON_CONFIG, LiaisonConfig } from '../../platform/config/config';
import { PreparedQueries } from '../../platform/database/prepared-query';
import { SEARCH_CATALOG } from './search-catalog.provider';
import { WORKLIST_DELETE_CTE, worklistUpsertSql } from '../views/worklist-index.sql';
import { CteStatement } from '../../platform/database/cte-statement';

const TABLES = ['fhir_search_token', 'fhir_search_string', 'fhir_search_reference', 'fhir_search_date', 'fhir_search_quantity'];

function timestamp(ms: number): string {
  if (ms === Infinity) return 'infinity';
  if (ms === -Infinity) return '-infinity';
  return new Date(ms).toISOString();
}

/** Column arrays for one multi-row INSERT … SELECT FROM unnest(…). */
interface TableRows {
  readonly table: string;
  readonly columns: readonly string[];
  readonly types: readonly string[];
  readonly arrays: unknown[][];
}

function rowsOf(table: string, columns: string[], types: string[]): TableRows {
  return { table, columns: ['resource_type', 'resource_id', ...columns], types: ['text', 'text', ...types], arrays: [] };
}

function push(rows: TableRows, values: unknown[]): void {
  if (!rows.arrays.length) rows.arrays.push(...rows.columns.map(() => []));
  values.forEach((value, i) => rows.arrays[i].push(value));
}

/**
 * Keeps the search index in step with the store: every write of a resource replaces its index
 * rows, in the caller's transaction, in one statement (DELETE + multi-row INSERT per table),
 * prepared once per connection.
 */
@Injectable()
export class SearchIndexer {
  private readonly baseUrl: string;
  private readonly prepared = new PreparedQueries();

  constructor(
    @Inject(SEARCH_CATALOG) private readonly catalog: SearchCatalog,
    @Inject(LIAISON_CONFIG) config: LiaisonConfig,
  ) {
    this.baseUrl = `${config.baseUrl}/fhir/R4`;
  }

  /**
   * Adds the index rows of first versions (creates) to `statement`: nothing to replace, so no
   * DELETE. Only for resources whose row the same statement or transaction inserts: a deleted
   * resource written again is a new version of an existing row and goes through
   * `addReplacedRows`. `gate`: a CTE of `statement`; nothing is written unless
   * it returned a row (the resource row was inserted).
   */
  addNewRows(statement: CteStatement, resources: readonly Resource[], gate?: string): void {
    this.addRows(statement, resources, gate);
  }

  /**
   * Adds the replacement of `resources`' index rows (new versions of existing resources) to
   * `statement`: their old rows deleted, the rows of their current content inserted.
   */
  addReplacedRows(statement: CteStatement, resources: readonly Resource[]): void {
    if (!resources.length) return;
    const latest = latestVersions(resources);
    const types = statement.add(latest.map((r) => r.resourceType));
    const ids = statement.add(latest.map((r) => r.id));
    statement.with('keys', `SELECT * FROM unnest(${types}::text[], ${ids}::text[]) AS k(resource_type, resource_id)`);
    // The DELETEs go through the (tenant_id, resource_type, resource_id, param) index, which
    // every condition names (migration SearchIndexResourceKey); with only a (resource_id)
    // index, a generic plan chose a value index and scanned every index row of the type on
    // each write (O(tenant size) per write). The CTEs share one snapshot: the DELETEs do not
    // see the rows the INSERTs add.
    TABLES.forEach((table, i) =>
      statement.with(
        `d${i}`,
        `DELETE FROM ${table} s USING keys k WHERE s.tenant_id = $1 AND s.resource_type = k.resource_type AND s.resource_id = k.resource_id`,
      ),
    );
    this.addRows(statement, latest);
  }

  /** The INSERT CTEs of `resources`' index rows (and Tasks' worklist rows). */
  private addRows(statement: CteStatement, resources: readonly Resource[], gate?: string): void {
    const token = rowsOf('fhir_search_token', ['param', 'system', 'code', 'text'], ['text', 'text', 'text', 'text']);
    const string = rowsOf('fhir_search_string', ['param', 'value', 'exact'], ['text', 'text', 'text']);
    const reference = rowsOf(
      'fhir_search_reference',
      ['param', 'target_type', 'target_id', 'url', 'status'],
      ['text', 'text', 'text', 'text', 'text'],
    );
    const date = rowsOf('fhir_search_date', ['param', 'low', 'high'], ['text', 'timestamptz', 'timestamptz']);
    const quantity = rowsOf('fhir_search_quantity', ['param', 'value', 'system', 'code'], ['text', 'float8', 'text', 'text']);
    const latest = latestVersions(resources);
    for (const resource of latest) {
      const key = [resource.resourceType, resource.id];
      const values: SearchValues = extractSearchValues(this.catalog, resource, this.baseUrl);
      for (const t of values.tokens) push(token, [...key, t.param, t.system, t.code, t.text]);
      for (const s of values.strings) push(string, [...key, s.param, s.value, s.exact]);
      for (const r of values.references) push(reference, [...key, r.param, r.targetType, r.targetId, r.url, values.status]);
      for (const d of values.dates) push(date, [...key, d.param, timestamp(d.low), timestamp(d.high)]);
      for (const q of values.quantities) push(quantity, [...key, q.param, q.value, q.system, q.code]);
    }
    const where = gate ? ` WHERE EXISTS (SELECT 1 FROM ${gate})` : '';
    for (const rows of [token, string, reference, date, quantity]) {
      if (!rows.arrays.length) continue;
      const arrays = rows.arrays.map((values, i) => `${statement.add(values)}::${rows.types[i]}[]`).join(', ');
      statement.with(
        `i_${rows.table}`,
        `INSERT INTO ${rows.table} (tenant_id, ${rows.columns.join(', ')}) SELECT $1, * FROM unnest(${arrays})${where}`,
      );
    }
    // Tasks also get their typed worklist row (fhir_task_worklist), in the same statement.
    const tasks = latest.filter((r): r is Task => r.resourceType === 'Task');
    if (tasks.length) statement.with('i_worklist', worklistUpsertSql(tasks, this.baseUrl, (value) => statement.add(value), where));
  }

  /** Drops every index row of a resource (on delete: a deleted resource matches no search). */
  async remove(tx: EntityManager, tenantId: string, resourceType: string, id: string): Promise<void> {
    const ctes = TABLES.map(
      (table, i) => `d${i} AS (DELETE FROM ${table} WHERE resource_id = $3 AND tenant_id = $1 AND resource_type = $2)`,
    );
    await this.prepared.rows(tx, `WITH ${[...ctes, WORKLIST_DELETE_CTE].join(', ')} SELECT 1`, [tenantId, resourceType, id]);
  }
}

/** One version per resource, the last given (its rows would otherwise be inserted twice). */
function latestVersions(resources: readonly Resource[]): Resource[] {
  const latest = new Map<string, Resource>();
  for (const resource of resources) {
    if (!resource.id) throw new Error(`SearchIndexer: a ${resource.resourceType} without an id cannot be indexed`);
    latest.set(`${resource.resourceType}/${resource.id}`, resource);
  }
  return [...latest.values()];
}
