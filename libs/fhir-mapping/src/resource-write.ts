import type { Identifier, Meta, Resource } from '@medplum/fhirtypes';

/**
 * What a mapped message asks the store to do with one resource, without knowing its id.
 *
 * The caller, inside one transaction, for each write in order: finds the existing resource by
 * the first `match` identifier that finds one (same resource type), computes the resource to
 * store with {@link applyWrite}, rewrites references with {@link resolveReferences} (each
 * earlier write's `key` becomes the `Type/id` it was stored as), and stores it.
 */
export type WriteMode =
  /** HL7 v2 update semantics: elements the message carries replace stored ones, `nulls` are deleted, the rest is kept. */
  | 'merge'
  /** Create when absent; an existing resource is left as it is (practitioners and payors named in passing). */
  | 'create-if-absent';

export interface ResourceWrite<T extends Resource = Resource> {
  /**
   * How other writes of the same event point at this one: a FHIR conditional reference
   * (`Patient?identifier=<system>|<value>`) when it has an identity, else `local:<Type>/<n>`.
   */
  readonly key: string;
  /** The resource as the message describes it, without `id`; `meta.source` names the message. */
  readonly resource: T;
  /** Identifiers that find the stored resource, in order of preference; empty: always create. */
  readonly match: readonly Identifier[];
  readonly mode: WriteMode;
  /** Dotted paths (`birthDate`, `period.end`) the message explicitly nulled (`""`): deleted from the stored resource. */
  readonly nulls: readonly string[];
  /** Set only when the resource is created: required elements an update message may not carry (Encounter.status on A08). */
  readonly createDefaults?: Partial<T>;
}

/** Elements merged one level deep instead of replaced: a discharge that carries only PV1-45 keeps the admission time. */
const MERGED_ONE_LEVEL: ReadonlySet<string> = new Set(['period', 'hospitalization']);

export interface AppliedWrite<T extends Resource> {
  readonly resource: T;
  /** False when the stored resource would not change (apart from `meta.source`): nothing to write. */
  readonly changed: boolean;
}

/**
 * The resource to store for a write, given what is stored (`undefined`: nothing yet). The
 * stored `id` and `meta` are kept (the store versions them); `meta.source` becomes the
 * message's. Identifiers are united (a message that names one identifier of a patient does
 * not drop the others), `period` and `hospitalization` merge one level, other elements the
 * message carries replace the stored ones, and `nulls` are deleted.
 */
export function applyWrite<T extends Resource>(existing: T | undefined, write: ResourceWrite<T>): AppliedWrite<T> {
  if (!existing) {
    const created = { ...(write.createDefaults ?? {}), ...write.resource } as T;
    return { resource: deletePaths(created, write.nulls), changed: true };
  }
  if (write.mode === 'create-if-absent') return { resource: existing, changed: false };
  const merged: Record<string, unknown> = { ...(existing as unknown as Record<string, unknown>) };
  for (const [name, value] of Object.entries(write.resource as unknown as Record<string, unknown>)) {
    if (name === 'resourceType' || name === 'id' || name === 'meta' || value === undefined) continue;
    const stored = merged[name];
    if (name === 'identifier' && Array.isArray(value) && Array.isArray(stored)) {
      merged[name] = uniteIdentifiers(stored as Identifier[], value as Identifier[]);
    } else if (MERGED_ONE_LEVEL.has(name) && isObject(value) && isObject(stored)) {
      merged[name] = { ...stored, ...value };
    } else {
      merged[name] = value;
    }
  }
  const source = write.resource.meta?.source;
  if (source) merged.meta = { ...((existing.meta ?? {}) as Meta), source };
  const resource = deletePaths(merged as unknown as T, write.nulls);
  return { resource, changed: !sameContent(existing, resource) };
}

function uniteIdentifiers(stored: readonly Identifier[], incoming: readonly Identifier[]): Identifier[] {
  const keyOf = (i: Identifier): string => `${i.system ?? ''}|${i.value ?? ''}`;
  const incomingKeys = new Set(incoming.map(keyOf));
  return [...incoming, ...stored.filter((i) => !incomingKeys.has(keyOf(i)))];
}

/** Deletes dotted paths from a copy; an object left empty by a deletion is deleted too. */
export function deletePaths<T extends object>(value: T, paths: readonly string[]): T {
  if (paths.length === 0) return value;
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const path of paths) {
    const parts = path.split('.');
    const parents: Record<string, unknown>[] = [copy];
    let node: unknown = copy;
    for (const part of parts.slice(0, -1)) {
      node = isObject(node) ? node[part] : undefined;
      if (!isObject(node)) break;
      parents.push(node);
    }
    if (parents.length !== parts.length) continue;
    delete parents[parents.length - 1][parts[parts.length - 1]];
    for (let i = parents.length - 1; i > 0; i--) {
      if (Object.keys(parents[i]).length === 0) delete parents[i - 1][parts[i - 1]];
    }
  }
  return copy as T;
}

/**
 * Rewrites `reference` values that name a write of the same event (its `key`) to where it was
 * stored (`Patient/123`). References to anything else are left as they are.
 */
export function resolveReferences<T>(value: T, stored: ReadonlyMap<string, string>): T {
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, stored)) as T;
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    result[name] = name === 'reference' && typeof child === 'string' && stored.has(child) ? stored.get(child) : resolveReferences(child, stored);
  }
  return result as T;
}

function sameContent(a: Resource, b: Resource): boolean {
  const strip = (r: Resource): unknown => ({ ...r, meta: undefined });
  return canonical(strip(a)) === canonical(strip(b));
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : v,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
