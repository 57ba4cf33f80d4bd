import type { Resource } from '@medplum/fhirtypes';
import type { EntityManager } from 'typeorm';
import type { FhirSearchService } from '../fhir';

/** The largest page the search serves (`MAX_COUNT`): coordination reads whole result sets. */
const PAGE = 1000;

/**
 * Every resource a FHIR search matches, following `next` links: coordination needs all of a
 * tenant's PlanDefinitions, not a page of them. Runs in the caller's transaction.
 */
export async function searchAll<T extends Resource>(
  search: FhirSearchService,
  tx: EntityManager,
  tenantId: string,
  resourceType: T['resourceType'],
  query: Record<string, string[]>,
): Promise<T[]> {
  const found: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await search.search(
      tx,
      tenantId,
      resourceType,
      { ...query, _count: [String(PAGE)], ...(cursor ? { _cursor: [cursor] } : {}) },
      { baseUrl: 'urn:liaison:coordination', strictHandling: true },
    );
    for (const entry of page.entry ?? []) {
      if (entry.search?.mode === 'match' && entry.resource) found.push(entry.resource as T);
    }
    const next = page.link?.find((link) => link.relation === 'next')?.url;
    cursor = next ? (new URLSearchParams(next.slice(next.indexOf('?') + 1)).get('_cursor') ?? undefined) : undefined;
    if (!cursor) return found;
  }
}

/** `Type/id` of a resource. */
export function refOf(resource: Pick<Resource, 'resourceType' | 'id'>): string {
  return `${resource.resourceType}/${resource.id}`;
}

/** The id in a literal reference of the given type (`Task/abc` → `abc`), or undefined. */
export function idIn(reference: string | undefined, resourceType: string): string | undefined {
  if (!reference?.startsWith(`${resourceType}/`)) return undefined;
  const id = reference.slice(resourceType.length + 1);
  return id && !id.includes('/') ? id : undefined;
}
