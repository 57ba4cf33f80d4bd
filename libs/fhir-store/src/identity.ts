import type { Identifier, Resource } from '@medplum/fhirtypes';

/**
 * Which identifiers are unique per tenant, and versioning of a resource, as pure rules.
 * A Patient's identifier with a system (an MRN, a member id) names one person: two Patients
 * with the same `system|value` in a tenant are a duplicate record. Identifiers marked
 * `use: old` (retired by a merge) are exempt, so a merged-away record can keep them.
 */
export const UNIQUE_IDENTIFIER_TYPES: ReadonlySet<string> = new Set(['Patient']);

export interface IdentifierKey {
  readonly system: string;
  readonly value: string;
}

/** The identifiers of `resource` that must be unique, without duplicates. */
export function uniqueIdentifierKeys(resource: Resource): IdentifierKey[] {
  if (!UNIQUE_IDENTIFIER_TYPES.has(resource.resourceType)) return [];
  const identifiers = (resource as { identifier?: Identifier[] }).identifier ?? [];
  const seen = new Map<string, IdentifierKey>();
  for (const identifier of identifiers) {
    if (!identifier?.system || !identifier.value || identifier.use === 'old') continue;
    seen.set(`${identifier.system}|${identifier.value}`, { system: identifier.system, value: identifier.value });
  }
  return [...seen.values()];
}

/**
 * When a condition (`If-None-Exist`, a conditional update or reference) is exactly
 * `identifier=system|value` on a type with unique identifiers, the identifier it names;
 * such conditions are answered from the unique index instead of a search.
 */
export function identifierCondition(resourceType: string, query: Readonly<Record<string, readonly string[]>>): IdentifierKey | undefined {
  if (!UNIQUE_IDENTIFIER_TYPES.has(resourceType)) return undefined;
  const names = Object.keys(query);
  if (names.length !== 1 || names[0] !== 'identifier' || query.identifier.length !== 1) return undefined;
  const token = query.identifier[0];
  const bar = token.indexOf('|');
  if (bar <= 0 || bar === token.length - 1 || token.includes(',') || token.includes('\\')) return undefined;
  return { system: token.slice(0, bar), value: token.slice(bar + 1) };
}

/** True when `resource` carries the identifier (so claiming it for the resource is truthful). */
export function hasIdentifier(resource: Resource, key: IdentifierKey): boolean {
  return uniqueIdentifierKeys(resource).some((k) => k.system === key.system && k.value === key.value);
}

/**
 * The resource as stored: server-assigned `id`, `meta.versionId` and `meta.lastUpdated`, the
 * rest as given (profiles, tags, security labels, source). `resourceType`, `id` and `meta`
 * come first, as FHIR servers conventionally write them.
 */
export function stampVersion<T extends Resource>(resource: T, id: string, versionId: number, lastUpdated: string): T {
  const { resourceType, id: _ignored, meta, ...rest } = resource as T & { meta?: Record<string, unknown> };
  return {
    resourceType,
    id,
    meta: { ...meta, versionId: String(versionId), lastUpdated },
    ...rest,
  } as unknown as T;
}
