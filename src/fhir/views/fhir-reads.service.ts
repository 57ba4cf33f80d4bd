import { Injectable } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import type { EntityManager } from 'typeorm';
import { ReferencePath, ReferencingRow, ResourceReadsRepository, VersionRow } from './resource-reads.repository';

export type { ReferencePath, ReferencingRow, VersionRow } from './resource-reads.repository';

/**
 * Most resources `referencing` returns for one call: a view of some patients' records, not an
 * export (a patient has tens to hundreds of Tasks, a page shows at most 100 patients).
 */
export const MAX_REFERENCING = 20_000;

/**
 * Reads for views that show many resources at once (GraphQL pages and their DataLoaders):
 * several resources by id, the resources that reference some targets, and the history of a
 * resource and everything related to it, each in one statement. Runs in the caller's tenant
 * transaction; deleted resources are not returned (a deleted one is just absent).
 */
@Injectable()
export class FhirReadService {
  constructor(private readonly repository: ResourceReadsRepository) {}

  readMany(tx: EntityManager, tenantId: string, resourceType: string, ids: readonly string[]): Promise<Resource[]> {
    return this.repository.currentMany(tx, tenantId, resourceType, ids);
  }

  /** Live resources of a type with the identifier `system|value`, at most `limit` (one prepared statement from the token index). */
  byIdentifier(tx: EntityManager, tenantId: string, resourceType: string, identifier: { system: string; value: string }, limit: number): Promise<Resource[]> {
    return this.repository.byIdentifier(tx, tenantId, resourceType, identifier.system, identifier.value, limit);
  }

  referencing(
    tx: EntityManager,
    tenantId: string,
    sourceType: string,
    params: readonly string[],
    targetType: string,
    targetIds: readonly string[],
  ): Promise<ReferencingRow[]> {
    return this.repository.referencing(tx, tenantId, sourceType, params, targetType, targetIds, MAX_REFERENCING);
  }

  /** `referencing` through several (type, param) paths in one statement, path by path in the order given. */
  referencingThrough(
    tx: EntityManager,
    tenantId: string,
    paths: readonly ReferencePath[],
    targetType: string,
    targetIds: readonly string[],
  ): Promise<ReferencingRow[]> {
    return this.repository.referencingThrough(tx, tenantId, paths, targetType, targetIds, MAX_REFERENCING);
  }

  /** Newest first: the versions of `target` and of the resources related to it through `paths`. */
  historyOfRelated(
    tx: EntityManager,
    tenantId: string,
    target: { resourceType: string; id: string },
    paths: readonly ReferencePath[],
    limit: number,
  ): Promise<VersionRow[]> {
    return this.repository.historyOfRelated(tx, tenantId, target, paths, limit);
  }
}
