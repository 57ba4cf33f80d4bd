import DataLoader from 'dataloader';
import type { Resource } from '@medplum/fhirtypes';
import type { EntityManager } from 'typeorm';
import type { FhirReadService, ReferencingRow } from '../fhir';

/** Runs read work in one tenant transaction (`inTenant` for the caller's tenant). */
export type TenantReads = <T>(work: (tx: EntityManager) => Promise<T>) => Promise<T>;

/** `rows` grouped by the target they reference, in their order. */
function referencingByTarget(rows: readonly ReferencingRow[]): Map<string, Resource[]> {
  const byTarget = new Map<string, Resource[]>();
  for (const row of rows) {
    const list = byTarget.get(row.targetId);
    if (list) list.push(row.resource);
    else byTarget.set(row.targetId, [row.resource]);
  }
  return byTarget;
}

/**
 * The DataLoaders of one GraphQL request (or one subscription): every `load` made while a
 * level of the result is resolved becomes one statement per resource type (by id) or per
 * reference path (what references these targets), each in a tenant transaction of its own.
 * So a page of 50 Tasks with their patients, owners and coverage costs a handful of queries,
 * not 150. Results are cached for the request when `cache` (HTTP), not for subscriptions
 * (a long-lived stream must see each event's fresh data).
 */
export class ViewLoaders {
  private readonly byId = new Map<string, DataLoader<string, Resource | undefined>>();
  private readonly byReference = new Map<string, DataLoader<string, Resource[]>>();

  constructor(
    private readonly reads: FhirReadService,
    private readonly tenantId: string,
    private readonly inTenant: TenantReads,
    private readonly cache: boolean,
  ) {}

  /** A resource of `resourceType` by id (undefined when absent or deleted). */
  resource<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T | undefined> {
    return this.byIdLoader(resourceType).load(id) as Promise<T | undefined>;
  }

  /** The `sourceType` resources whose `param` references `targetType/targetId`, ordered by id. */
  referencing<T extends Resource>(sourceType: T['resourceType'], param: string, targetType: string, targetId: string): Promise<T[]> {
    return this.referencingLoader(sourceType, param, targetType).load(targetId) as Promise<T[]>;
  }

  /**
   * Primes the `referencing` cache with what was read some other way (with a worklist page):
   * for each of `targetIds`, the rows of `rows` that reference it (none: an empty list).
   */
  primeReferencing(sourceType: string, param: string, targetType: string, targetIds: readonly string[], rows: readonly ReferencingRow[]): void {
    if (!this.cache) return;
    const byTarget = referencingByTarget(rows);
    const loader = this.referencingLoader(sourceType, param, targetType);
    for (const id of targetIds) loader.prime(id, byTarget.get(id) ?? []);
  }

  /** Primes the by-id cache with resources read some other way (a worklist page's Tasks). */
  prime(resources: readonly Resource[]): void {
    if (!this.cache) return;
    for (const resource of resources) if (resource.id) this.byIdLoader(resource.resourceType).prime(resource.id, resource);
  }

  /** Primes the by-id cache of `resourceType` for all of `ids`: those of `found`, the rest absent. */
  primeAll(resourceType: string, ids: readonly string[], found: readonly Resource[]): void {
    if (!this.cache) return;
    const byId = new Map(found.map((resource) => [resource.id, resource]));
    const loader = this.byIdLoader(resourceType);
    for (const id of ids) loader.prime(id, byId.get(id));
  }

  private referencingLoader(sourceType: string, param: string, targetType: string): DataLoader<string, Resource[]> {
    const key = `${sourceType}.${param}→${targetType}`;
    let loader = this.byReference.get(key);
    if (!loader) {
      loader = new DataLoader<string, Resource[]>(
        async (targetIds) => {
          const rows = await this.inTenant((tx) => this.reads.referencing(tx, this.tenantId, sourceType, [param], targetType, targetIds));
          const byTarget = referencingByTarget(rows);
          return targetIds.map((id) => byTarget.get(id) ?? []);
        },
        { cache: this.cache },
      );
      this.byReference.set(key, loader);
    }
    return loader;
  }

  private byIdLoader(resourceType: string): DataLoader<string, Resource | undefined> {
    let loader = this.byId.get(resourceType);
    if (!loader) {
      loader = new DataLoader<string, Resource | undefined>(
        async (ids) => {
          const found = await this.inTenant((tx) => this.reads.readMany(tx, this.tenantId, resourceType, ids));
          const byId = new Map(found.map((resource) => [resource.id, resource]));
          return ids.map((key) => byId.get(key));
        },
        { cache: this.cache },
      );
      this.byId.set(resourceType, loader);
    }
    return loader;
  }
}
