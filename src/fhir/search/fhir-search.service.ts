import { Inject, Injectable } from '@nestjs/common';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes';
import {
  encodeCursor,
  IncludeRequest,
  ParsedSearch,
  parseSearchRequest,
  ResourceJson,
  SearchCatalog,
  Searchset,
  searchsetBundle,
  SearchsetEntry,
  searchsetJson,
  selectElements,
  sortSignature,
  summarize,
} from '@liaison/fhir-search';
import { EntityManager } from 'typeorm';
import { LIAISON_CONFIG, LiaisonConfig } from '../../platform/config/config';
import { SEARCH_CATALOG } from './search-catalog.provider';
import { MatchRow, SearchRepository } from './search.repository';

export interface SearchOptions {
  /** Our FHIR base, `${config.baseUrl}/fhir/R4`: fullUrls and links start with it. */
  readonly baseUrl: string;
  /** `Prefer: handling=strict`: unknown parameters are a 400 instead of a warning entry. */
  readonly strictHandling: boolean;
  /**
   * Whether the caller may read resources of a type (its scopes). `_include`/`_revinclude`
   * leave out resources of the types it may not; without it every type is readable.
   */
  readonly mayRead?: (resourceType: string) => boolean;
}

/** How many times `_include:iterate` / `_revinclude:iterate` follow newly included resources. */
const MAX_ITERATIONS = 3;

/** What `_include`/`_revinclude` need of a resource: its type and id. */
interface ResourceKey {
  readonly resourceType: string;
  readonly id?: string;
}

const keyOf = (resource: ResourceKey): string => `${resource.resourceType}/${resource.id}`;

function groupByType(resources: readonly ResourceKey[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of resources) groups.set(r.resourceType, [...(groups.get(r.resourceType) ?? []), r.id!]);
  return groups;
}

function queryString(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/**
 * FHIR search over the store: filters, sort, keyset paging, totals, `_include`/`_revinclude`,
 * `_elements`/`_summary`. Runs inside the caller's tenant transaction.
 */
@Injectable()
export class FhirSearchService {
  private readonly fhirBaseUrl: string;

  constructor(
    @Inject(SEARCH_CATALOG) private readonly catalog: SearchCatalog,
    private readonly repository: SearchRepository,
    @Inject(LIAISON_CONFIG) config: LiaisonConfig,
  ) {
    this.fhirBaseUrl = `${config.baseUrl}/fhir/R4`;
  }

  /** A `searchset` Bundle for `GET [base]/[type]?query` (or `POST [base]/[type]/_search`). */
  async search(
    tx: EntityManager,
    tenantId: string,
    resourceType: string,
    query: Record<string, string[]>,
    options: SearchOptions,
  ): Promise<Bundle> {
    return searchsetBundle(await this.searchset(tx, tenantId, resourceType, query, options));
  }

  /**
   * The same Bundle as JSON text, for a response body: the matches' stored JSON is spliced in
   * as PostgreSQL returns it, not parsed and serialized again.
   */
  async searchJson(
    tx: EntityManager,
    tenantId: string,
    resourceType: string,
    query: Record<string, string[]>,
    options: SearchOptions,
  ): Promise<string> {
    return searchsetJson(await this.searchset(tx, tenantId, resourceType, query, options));
  }

  private async searchset(
    tx: EntityManager,
    tenantId: string,
    resourceType: string,
    query: Record<string, string[]>,
    options: SearchOptions,
  ): Promise<Searchset> {
    const search = this.parse(resourceType, query, options.strictHandling);
    const statusParam = this.catalog.statusParam(resourceType);
    const scope = { tenantId, baseUrl: this.fhirBaseUrl };
    const countOnly = search.summary === 'count';
    const pageSize = countOnly ? 0 : search.count;

    const rows = pageSize > 0 ? await this.repository.findPage(tx, scope, search, statusParam, pageSize + 1) : [];
    const hasNext = rows.length > pageSize;
    const page = rows.slice(0, pageSize);
    let total: number | undefined;
    // `_total=estimate` is answered exactly too (a count is cheap at this store's sizes).
    if (countOnly || search.total !== 'none') {
      total = pageSize > 0 && !search.cursor && !hasNext ? page.length : await this.repository.count(tx, scope, search, statusParam);
    }
    const keys = page.map((row) => ({ resourceType, id: row.id }));
    const included = (countOnly ? [] : await this.included(tx, tenantId, search, keys)).filter(
      (resource) => options.mayRead?.(resource.resourceType) ?? true,
    );

    const entry: SearchsetEntry[] = [];
    const outcome = this.ignoredOutcome(search);
    if (outcome) entry.push({ resource: outcome, mode: 'outcome' });
    for (const row of page) {
      entry.push({ fullUrl: `${options.baseUrl}/${resourceType}/${row.id}`, resource: this.shape(search, row), mode: 'match' });
    }
    for (const resource of included) {
      entry.push({ fullUrl: `${options.baseUrl}/${keyOf(resource)}`, resource, mode: 'include' });
    }
    return { total, link: this.links(search, options.baseUrl, hasNext ? page.at(-1) : undefined, query), entry };
  }

  /**
   * Ids of the resources a conditional interaction's criteria match (at most `limit`).
   * Unknown parameters are a 400 here: a condition that silently matched more would be unsafe.
   */
  async findIds(
    tx: EntityManager,
    tenantId: string,
    resourceType: string,
    query: Record<string, string[]>,
    limit: number,
  ): Promise<string[]> {
    const search = this.parse(resourceType, query, true);
    const scope = { tenantId, baseUrl: this.fhirBaseUrl };
    return this.repository.findIds(tx, scope, resourceType, search.filters, this.catalog.statusParam(resourceType), limit);
  }

  /** Search values are read against our configured base, as stored references were indexed. */
  private parse(resourceType: string, query: Record<string, string[]>, strict: boolean): ParsedSearch {
    if (!this.catalog.resourceTypes.includes(resourceType)) {
      throw new OperationOutcomeError(badRequest(`Unsupported resource type ${resourceType}`, resourceType));
    }
    return parseSearchRequest(this.catalog, resourceType, query, { baseUrl: this.fhirBaseUrl, now: Date.now(), strict });
  }

  /** A match as stored (its JSON text), or its `_elements`/`_summary` subset. */
  private shape(search: ParsedSearch, row: MatchRow): Resource | ResourceJson {
    if (search.elements?.length) return selectElements(JSON.parse(row.json) as Resource, search.elements);
    if (search.summary && search.summary !== 'count') {
      return summarize(JSON.parse(row.json) as Resource, search.summary, this.catalog.summaryElements(search.resourceType));
    }
    return row;
  }

  private ignoredOutcome(search: ParsedSearch): OperationOutcome | undefined {
    if (!search.ignored.length) return undefined;
    return {
      resourceType: 'OperationOutcome',
      issue: search.ignored.map((issue) => ({
        severity: 'warning',
        code: 'not-supported',
        details: { text: `${issue.reason}: ignored` },
        expression: [issue.param],
      })),
    };
  }

  private links(search: ParsedSearch, baseUrl: string, last: MatchRow | undefined, query: Record<string, string[]>): BundleLink[] {
    const base = `${baseUrl}/${search.resourceType}`;
    const withQuery = (pairs: readonly (readonly [string, string])[]): string => (pairs.length ? `${base}?${queryString(pairs)}` : base);
    const cursor = query._cursor?.[0];
    const links: BundleLink[] = [{ relation: 'self', url: withQuery(cursor ? [...search.applied, ['_cursor', cursor]] : search.applied) }];
    if (last) {
      const next = encodeCursor(sortSignature(search.sort), { values: last.keys, id: last.id });
      links.push({ relation: 'next', url: withQuery([...search.applied, ['_cursor', next]]) });
    }
    return links;
  }

  /** `_include` and `_revinclude` of the page's matches, then their `:iterate` forms, deduplicated. */
  private async included(tx: EntityManager, tenantId: string, search: ParsedSearch, matches: readonly ResourceKey[]): Promise<Resource[]> {
    if (!matches.length || (!search.include.length && !search.revinclude.length)) return [];
    const seen = new Set(matches.map(keyOf));
    const result: Resource[] = [];
    let base: readonly ResourceKey[] = matches;
    for (let round = 0; round <= MAX_ITERATIONS && base.length; round++) {
      const first = round === 0;
      const include = search.include.filter((r) => first || r.iterate);
      const revinclude = search.revinclude.filter((r) => first || r.iterate);
      if (!include.length && !revinclude.length) break;
      const found = await this.includeStep(tx, tenantId, base, include, revinclude);
      const fresh = found.filter((r) => !seen.has(keyOf(r)));
      for (const r of fresh) seen.add(keyOf(r));
      result.push(...fresh);
      base = fresh;
    }
    return result;
  }

  private async includeStep(
    tx: EntityManager,
    tenantId: string,
    base: readonly ResourceKey[],
    include: readonly IncludeRequest[],
    revinclude: readonly IncludeRequest[],
  ): Promise<Resource[]> {
    const groups = groupByType(base);
    const found: Resource[] = [];
    for (const request of include) {
      const ids = groups.get(request.sourceType);
      if (!ids || !request.params.length) continue;
      const params = request.params.map((p) => p.code);
      found.push(...(await this.repository.findReferenced(tx, tenantId, request.sourceType, ids, params, request.targetType)));
    }
    for (const request of revinclude) {
      for (const [targetType, ids] of groups) {
        if (request.targetType && request.targetType !== targetType) continue;
        const params = request.params.filter((p) => p.targets.includes(targetType)).map((p) => p.code);
        if (!params.length) continue;
        found.push(...(await this.repository.findReferencing(tx, tenantId, request.sourceType, params, targetType, ids)));
      }
    }
    return found;
  }
}
