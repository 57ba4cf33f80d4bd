import {
  normalizeString,
  ParsedSearch,
  RangeCondition,
  ReferenceMatch,
  SearchFilter,
  SearchParamDef,
  SortKey,
  TokenMatch,
} from '@liaison/fhir-search';
import type { CursorPosition } from '@liaison/fhir-search';

/** Positional parameters of one statement; `$1` is always the tenant id. */
export class SqlParams {
  readonly values: unknown[];

  constructor(tenantId: string) {
    this.values = [tenantId];
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export const TENANT = '$1';

const TABLE_OF: Readonly<Record<SearchParamDef['type'], string>> = {
  token: 'fhir_search_token',
  uri: 'fhir_search_token',
  string: 'fhir_search_string',
  reference: 'fhir_search_reference',
  date: 'fhir_search_date',
  number: 'fhir_search_quantity',
  quantity: 'fhir_search_quantity',
};

/** A fresh alias per subquery, so nested filters (chains) never capture each other's columns. */
class Aliases {
  private next = 0;
  take(prefix: string): string {
    return `${prefix}${this.next++}`;
  }
}

export interface BuildContext {
  readonly params: SqlParams;
  readonly aliases: Aliases;
  /** Our FHIR base: a stored reference may be written relative to it or absolute. */
  readonly baseUrl: string;
}

export function newContext(tenantId: string, baseUrl: string): BuildContext {
  return { params: new SqlParams(tenantId), aliases: new Aliases(), baseUrl };
}

/**
 * Worklist columns generated on `fhir_resources` (migration FhirSearchWorklistColumns): the reference
 * parameter they hold, normalised as the index normalises it (trimmed, no `/_history/n`), and
 * the status code, with an index on (tenant, type, reference, status, id).
 */
const WORKLIST_COLUMNS: Readonly<Record<string, { readonly param: string; readonly reference: string; readonly status: string }>> = {
  Task: { param: 'owner', reference: 'search_owner', status: 'search_status' },
};

const or = (parts: string[]): string => (parts.length === 0 ? 'FALSE' : parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
const and = (parts: string[]): string => (parts.length === 0 ? 'TRUE' : parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`);

function timestamp(ms: number): string {
  if (ms === Infinity) return 'infinity';
  if (ms === -Infinity) return '-infinity';
  return new Date(ms).toISOString();
}

/** Renders a range condition; `column` maps low/high/value to SQL, `value` adds a typed parameter. */
function renderRange(
  condition: RangeCondition,
  column: (name: 'low' | 'high' | 'value') => string,
  value: (name: 'low' | 'high' | 'value', v: number) => string,
): string {
  if ('all' in condition) return and(condition.all.map((c) => renderRange(c, column, value)));
  if ('any' in condition) return or(condition.any.map((c) => renderRange(c, column, value)));
  if ('not' in condition) return `NOT ${renderRange(condition.not, column, value)}`;
  return `${column(condition.column)} ${condition.op} ${value(condition.column, condition.value)}`;
}

/** EXISTS (an index row of `def` for resource `row`, meeting `where`). */
function indexExists(ctx: BuildContext, row: string, def: SearchParamDef, where: (alias: string) => string): string {
  const s = ctx.aliases.take('s');
  const { params } = ctx;
  return (
    `EXISTS (SELECT 1 FROM ${TABLE_OF[def.type]} ${s} WHERE ${s}.tenant_id = ${TENANT}` +
    ` AND ${s}.resource_type = ${params.add(def.resourceType)} AND ${s}.resource_id = ${row}.id` +
    ` AND ${s}.param = ${params.add(def.code)} AND ${where(s)})`
  );
}

function tokenMatch(ctx: BuildContext, s: string, values: readonly TokenMatch[]): string {
  const { params } = ctx;
  const anySystem = values.filter((v) => v.system === undefined && v.code !== undefined).map((v) => v.code);
  const parts: string[] = anySystem.length ? [`${s}.code = ANY(${params.add(anySystem)}::text[])`] : [];
  for (const v of values) {
    if (v.system === undefined) continue;
    const system = v.system === null ? `${s}.system IS NULL` : `${s}.system = ${params.add(v.system)}`;
    parts.push(v.code === undefined ? system : `(${s}.code = ${params.add(v.code)} AND ${system})`);
  }
  return or(parts);
}

function referenceMatch(ctx: BuildContext, s: string, values: readonly ReferenceMatch[]): string {
  const { params } = ctx;
  const byType = new Map<string, string[]>();
  const untyped: string[] = [];
  const urls: string[] = [];
  for (const v of values) {
    if (v.url !== undefined) urls.push(v.url);
    else if (v.targetType !== undefined) byType.set(v.targetType, [...(byType.get(v.targetType) ?? []), v.targetId!]);
    else if (v.targetId !== undefined) untyped.push(v.targetId);
  }
  const parts = [...byType].map(
    ([type, ids]) => `(${s}.target_id = ANY(${params.add(ids)}::text[]) AND ${s}.target_type = ${params.add(type)})`,
  );
  if (untyped.length) parts.push(`${s}.target_id = ANY(${params.add(untyped)}::text[])`);
  if (urls.length) parts.push(`${s}.url = ANY(${params.add(urls)}::text[])`);
  return or(parts);
}

function dateSql(ctx: BuildContext, conditions: readonly RangeCondition[], column: (name: 'low' | 'high' | 'value') => string, shiftHigh = 0): string {
  return or(
    conditions.map((c) =>
      renderRange(c, column, (name, v) => `${ctx.params.add(timestamp(name === 'high' ? v + shiftHigh : v))}::timestamptz`),
    ),
  );
}

/**
 * The status shortcut: a plain `status=a,b` token filter that can ride on the reference rows
 * (they carry the resource's status code). Returns its codes when the search has exactly one.
 */
export function statusShortcut(search: ParsedSearch, statusParam: SearchParamDef | undefined): readonly string[] | undefined {
  if (!statusParam) return undefined;
  const statusFilters = search.filters.filter((f) => f.kind === 'token' && f.param.code === statusParam.code);
  const hasReference = search.filters.some((f) => f.kind === 'reference');
  if (statusFilters.length !== 1 || !hasReference) return undefined;
  const filter = statusFilters[0] as Extract<SearchFilter, { kind: 'token' }>;
  if (filter.not || !filter.values.every((v) => v.system === undefined && v.code !== undefined)) return undefined;
  return filter.values.map((v) => v.code!);
}

/**
 * One filter as a boolean SQL expression over the resource row `row` (an alias of
 * fhir_resources). `status` is the status shortcut's codes, added to reference filters.
 */
export function filterSql(ctx: BuildContext, row: string, filter: SearchFilter, status?: readonly string[]): string {
  const { params } = ctx;
  switch (filter.kind) {
    case 'id':
      return `${row}.id = ANY(${params.add(filter.ids)}::text[])`;
    case 'lastUpdated':
      // An instant: its range is [last_updated, last_updated + 1 ms), so "high op X" is "last_updated op X - 1 ms".
      return dateSql(ctx, filter.conditions, () => `${row}.last_updated`, -1);
    case 'missing': {
      const s = ctx.aliases.take('s');
      const exists =
        `EXISTS (SELECT 1 FROM ${TABLE_OF[filter.param.type]} ${s} WHERE ${s}.tenant_id = ${TENANT}` +
        ` AND ${s}.resource_type = ${params.add(filter.param.resourceType)} AND ${s}.resource_id = ${row}.id` +
        ` AND ${s}.param = ${params.add(filter.param.code)})`;
      return filter.missing ? `NOT ${exists}` : exists;
    }
    case 'token': {
      const exists = indexExists(ctx, row, filter.param, (s) => tokenMatch(ctx, s, filter.values));
      return filter.not ? `NOT ${exists}` : exists;
    }
    case 'tokenText':
      return indexExists(ctx, row, filter.param, (s) =>
        or(filter.values.map((v) => `strpos(' ' || ${s}.text, ' ' || ${params.add(v)}) > 0`)),
      );
    case 'uri':
      return indexExists(ctx, row, filter.param, (s) => {
        if (filter.match === 'eq') return `${s}.code = ANY(${params.add(filter.values)}::text[])`;
        if (filter.match === 'below') return or(filter.values.map((v) => `starts_with(${s}.code, ${params.add(v)})`));
        return or(filter.values.map((v) => `starts_with(${params.add(v)}, ${s}.code)`));
      });
    case 'string':
      return indexExists(ctx, row, filter.param, (s) => {
        switch (filter.match) {
          case 'startsWith':
            return or(filter.values.map((v) => `starts_with(${s}.value, ${params.add(v)})`));
          case 'contains':
            return or(filter.values.map((v) => `strpos(${s}.value, ${params.add(v)}) > 0`));
          case 'exact':
            return or(
              filter.values.map(
                (v) => `(starts_with(${s}.value, ${params.add(normalizeString(v))}) AND ${s}.exact = ${params.add(v)})`,
              ),
            );
        }
      });
    case 'reference':
      return indexExists(ctx, row, filter.param, (s) => {
        const match = referenceMatch(ctx, s, filter.values);
        return status ? `${match} AND ${s}.status = ANY(${params.add(status)}::text[])` : match;
      });
    case 'date':
      return indexExists(ctx, row, filter.param, (s) => dateSql(ctx, filter.conditions, (name) => `${s}.${name}`));
    case 'quantity':
      return indexExists(ctx, row, filter.param, (s) =>
        or(
          filter.values.map((v) =>
            and([
              renderRange(v.condition, () => `${s}.value`, (_name, n) => `${params.add(n)}::float8`),
              ...(v.system ? [`${s}.system = ${params.add(v.system)}`] : []),
              ...(v.code ? [`${s}.code = ${params.add(v.code)}`] : []),
            ]),
          ),
        ),
      );
    case 'chain':
      return indexExists(ctx, row, filter.param, (s) =>
        or(
          filter.targets.map(({ resourceType, filter: inner }) => {
            const c = ctx.aliases.take('c');
            return (
              `(${s}.target_type = ${params.add(resourceType)} AND ${s}.target_id IN (SELECT ${c}.id FROM fhir_resources ${c}` +
              ` WHERE ${c}.tenant_id = ${TENANT} AND ${c}.resource_type = ${params.add(resourceType)} AND NOT ${c}.deleted` +
              ` AND ${filterSql(ctx, c, inner)}))`
            );
          }),
        ),
      );
  }
}

/**
 * The worklist shortcut: a reference filter on the type's worklist parameter whose values are
 * all local `Type/id`s is answered by the generated column (both the relative and the absolute
 * form of each), and the status shortcut's codes by the status column.
 */
function worklistSql(
  ctx: BuildContext,
  search: ParsedSearch,
  status: readonly string[] | undefined,
): { readonly filter: SearchFilter; readonly sql: string } | undefined {
  const columns = WORKLIST_COLUMNS[search.resourceType];
  if (!columns) return undefined;
  const filter = search.filters.find((f) => f.kind === 'reference' && f.param.code === columns.param);
  if (filter?.kind !== 'reference' || !filter.values.every((v) => v.targetType && v.targetId)) return undefined;
  const references = filter.values.flatMap((v) => [`${v.targetType}/${v.targetId}`, `${ctx.baseUrl}/${v.targetType}/${v.targetId}`]);
  const { params } = ctx;
  const sql = `r.${columns.reference} = ANY(${params.add(references)}::text[])`;
  return { filter, sql: status ? `${sql} AND r.${columns.status} = ANY(${params.add(status)}::text[])` : sql };
}

/**
 * True when the search is a worklist query and nothing else (`Task?owner=…[&status=…]`): its
 * plan is the worklist index whatever the values, so it may be prepared once and reused. Other
 * searches are planned for their values (a generic plan could scan a table for a rare code).
 */
export function isWorklistOnly(search: ParsedSearch, statusParam: SearchParamDef | undefined): boolean {
  const status = statusShortcut(search, statusParam);
  const ctx = newContext('', '');
  const worklist = worklistSql(ctx, search, status);
  return (
    !!worklist &&
    search.filters.every((f) => f === worklist.filter || (status !== undefined && f.kind === 'token' && f.param.code === statusParam?.code))
  );
}

/** Most index ranges (owner forms × status codes) the worklist page merges; beyond, one planned statement. */
const MAX_WORKLIST_RANGES = 8;

/**
 * The page of a worklist query in id order (`Task?owner=…&status=…`, no other filter, sorted
 * by `_id` or not at all) as a merge of index ranges: one per (owner reference form, status
 * code), each read in id order from the worklist index after the cursor and cut at the limit.
 * Every branch is an equality on the whole index prefix, so PostgreSQL's generic plan is this
 * plan whatever the values: prepared once per connection, it is not planned again (a single
 * `= ANY(…)` over both forms needs a sort, so its generic plan looks costly and every run was
 * planned anew). The owner forms are distinct, so the branches never share a row.
 * Selects `id`, `content` (as JSON text) and, when sorted by `_id`, `k0`.
 */
export function worklistPageSql(
  ctx: BuildContext,
  search: ParsedSearch,
  statusParam: SearchParamDef | undefined,
  limit: number,
): string | undefined {
  const sortedById = search.sort.length === 0 || (search.sort.length === 1 && search.sort[0].param === '_id');
  const status = statusShortcut(search, statusParam);
  const columns = WORKLIST_COLUMNS[search.resourceType];
  if (!sortedById || !status || !columns || !isWorklistOnly(search, statusParam)) return undefined;
  const filter = search.filters.find((f) => f.kind === 'reference' && f.param.code === columns.param);
  if (filter?.kind !== 'reference') return undefined;
  const references = [...new Set(filter.values.flatMap((v) => [`${v.targetType}/${v.targetId}`, `${ctx.baseUrl}/${v.targetType}/${v.targetId}`]))];
  const codes = [...new Set(status)];
  if (references.length * codes.length > MAX_WORKLIST_RANGES) return undefined;
  // The type is a literal, as in `whereSql` (a worklist type, so a known one).
  if (!/^[A-Z][A-Za-z]+$/.test(search.resourceType)) throw new Error(`not a resource type: ${search.resourceType}`);

  const { params } = ctx;
  const direction = search.sort[0]?.descending ? 'DESC' : 'ASC';
  const after = search.cursor ? ` AND r.id ${direction === 'DESC' ? '<' : '>'} ${params.add(search.cursor.id)}::text` : '';
  const limitParam = params.add(limit);
  const key = search.sort.length ? ', r.id AS k0' : '';
  const codeParams = codes.map((code) => params.add(code));
  const branches = references.flatMap((reference) => {
    const referenceParam = params.add(reference);
    return codeParams.map(
      (codeParam) =>
        `(SELECT r.id, r.content::text AS content${key} FROM fhir_resources r WHERE r.tenant_id = ${TENANT}` +
        ` AND r.resource_type = '${search.resourceType}' AND NOT r.deleted AND r.${columns.reference} = ${referenceParam}` +
        ` AND r.${columns.status} = ${codeParam}${after} ORDER BY r.id ${direction} LIMIT ${limitParam})`,
    );
  });
  return `SELECT * FROM (${branches.join(' UNION ALL ')}) u ORDER BY u.id ${direction} LIMIT ${limitParam}`;
}

/** The WHERE clause of a search over `r`: tenant, type, not deleted, every filter. */
export function whereSql(ctx: BuildContext, search: ParsedSearch, statusParam: SearchParamDef | undefined): string {
  const status = statusShortcut(search, statusParam);
  // The type is a literal (one of the stored types, checked before), so partial indexes apply.
  if (!/^[A-Z][A-Za-z]+$/.test(search.resourceType)) throw new Error(`not a resource type: ${search.resourceType}`);
  const parts = [`r.tenant_id = ${TENANT}`, `r.resource_type = '${search.resourceType}'`, 'NOT r.deleted'];
  const worklist = worklistSql(ctx, search, status);
  if (worklist) parts.push(worklist.sql);
  for (const filter of search.filters) {
    if (filter === worklist?.filter) continue;
    if (status && filter.kind === 'token' && filter.param.code === statusParam?.code) continue;
    parts.push(filterSql(ctx, 'r', filter, filter.kind === 'reference' ? status : undefined));
  }
  return parts.join(' AND ');
}

/** A sort key as a SQL expression over `r`, and the SQL type its cursor text is cast back to. */
interface SortColumn {
  readonly expression: string;
  readonly cast: string;
  readonly nullable: boolean;
  readonly descending: boolean;
}

function sortColumn(ctx: BuildContext, key: SortKey): SortColumn {
  const { params } = ctx;
  if (key.param === '_id') return { expression: 'r.id', cast: 'text', nullable: false, descending: key.descending };
  if (key.param === '_lastUpdated') {
    return { expression: 'r.last_updated', cast: 'timestamptz', nullable: false, descending: key.descending };
  }
  const def = key.param;
  const aggregate = key.descending ? 'max' : 'min';
  const s = ctx.aliases.take('o');
  const [column, cast] = ((): [string, string] => {
    switch (def.type) {
      case 'token':
      case 'uri':
        return [`${s}.code`, 'text'];
      case 'string':
        return [`${s}.value`, 'text'];
      case 'reference':
        return [`coalesce(${s}.target_type || '/' || ${s}.target_id, ${s}.url)`, 'text'];
      case 'date':
        return [key.descending ? `${s}.high` : `${s}.low`, 'timestamptz'];
      case 'number':
      case 'quantity':
        return [`${s}.value`, 'float8'];
    }
  })();
  const expression =
    `(SELECT ${aggregate}(${column}) FROM ${TABLE_OF[def.type]} ${s} WHERE ${s}.tenant_id = ${TENANT}` +
    ` AND ${s}.resource_type = ${params.add(def.resourceType)} AND ${s}.resource_id = r.id AND ${s}.param = ${params.add(def.code)})`;
  return { expression, cast, nullable: true, descending: key.descending };
}

export interface OrderedSearchSql {
  /** Selected columns: `id`, `content` (as JSON text), and `k0…kn` (sort values as text, for the next cursor). */
  readonly select: string;
  readonly orderBy: string;
  /** The keyset condition for rows after the cursor, or TRUE. */
  readonly after: string;
}

/**
 * ORDER BY for the sort keys plus the id tie-breaker (in the direction of the last key; the
 * parser ends the keys at `_id` when it is one of them), and
 * the keyset condition "strictly after the cursor" in that order, NULLs last.
 */
export function orderSql(ctx: BuildContext, sort: readonly SortKey[], cursor: CursorPosition | undefined): OrderedSearchSql {
  const { params } = ctx;
  const columns = sort.map((k) => sortColumn(ctx, k));
  const endsWithId = sort.at(-1)?.param === '_id';
  const idDescending = columns.at(-1)?.descending ?? false;
  const all: SortColumn[] = endsWithId
    ? columns
    : [...columns, { expression: 'r.id', cast: 'text', nullable: false, descending: idDescending }];
  const select = ['r.id', 'r.content::text AS content', ...columns.map((c, i) => `(${c.expression})::text AS k${i}`)].join(', ');
  const orderBy = all.map((c) => `${c.expression} ${c.descending ? 'DESC' : 'ASC'} NULLS LAST`).join(', ');
  if (!cursor) return { select, orderBy, after: 'TRUE' };

  const values = endsWithId ? cursor.values : [...cursor.values, cursor.id];
  const sameDirection = all.every((c) => c.descending === idDescending && !c.nullable);
  if (sameDirection) {
    const left = all.map((c) => c.expression).join(', ');
    const right = all.map((c, i) => `${params.add(values[i])}::${c.cast}`).join(', ');
    return { select, orderBy, after: `(${left}) ${idDescending ? '<' : '>'} (${right})` };
  }
  const disjuncts: string[] = [];
  for (let i = 0; i < all.length; i++) {
    const c = all[i];
    const v = values[i];
    if (v === null) continue; // NULLs sort last: nothing of this key comes after a NULL
    const equalBefore = all.slice(0, i).map((before, j) => {
      const w = values[j];
      return w === null ? `${before.expression} IS NULL` : `${before.expression} = ${params.add(w)}::${before.cast}`;
    });
    const beyond = `${c.expression} ${c.descending ? '<' : '>'} ${params.add(v)}::${c.cast}`;
    disjuncts.push(and([...equalBefore, c.nullable ? `(${beyond} OR ${c.expression} IS NULL)` : beyond]));
  }
  return { select, orderBy, after: or(disjuncts) };
}
