/**
 * SMART on FHIR scopes (App Launch 2.x §"Scopes for requesting clinical data"), as data.
 * v2: `system/Observation.rs`, `system/*.cruds`, granular `system/Observation.rs?category=…`;
 * v1 (still accepted): `system/Patient.read`, `.write`, `.*`.
 */

/** v2 permissions, in the order the syntax requires them. */
export const INTERACTIONS = ['c', 'r', 'u', 'd', 's'] as const;
export type Interaction = (typeof INTERACTIONS)[number];

export const SCOPE_CONTEXTS = ['system', 'user', 'patient'] as const;
export type ScopeContext = (typeof SCOPE_CONTEXTS)[number];

/** A granular restriction: only resources matching this search parameter value. */
export interface ScopeParameter {
  readonly name: string;
  readonly value: string;
}

export interface ResourceScope {
  readonly context: ScopeContext;
  /** A FHIR resource type, or `*` for every type. */
  readonly resourceType: string;
  /** Granted interactions, in `cruds` order, never empty. */
  readonly interactions: readonly Interaction[];
  /** How the scope was written: v1 `read`/`write`/`*` or v2 permissions. */
  readonly syntax: 'v1' | 'v2';
  /** Granular restrictions (all must hold), sorted by name then value; empty when unrestricted. */
  readonly parameters: readonly ScopeParameter[];
}

const V1_PERMISSIONS: Readonly<Record<string, readonly Interaction[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

const SCOPE_SHAPE = /^(system|user|patient)\/(\*|[A-Z][A-Za-z0-9]{0,63})\.([a-z*]+)(?:\?(.*))?$/;
const V2_PERMISSIONS = /^c?r?u?d?s?$/;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
/** Longest scope token we look at; anything longer is refused rather than parsed. */
const MAX_SCOPE_LENGTH = 1024;

function compareParameters(a: ScopeParameter, b: ScopeParameter): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value === b.value) return 0;
  return a.value < b.value ? -1 : 1;
}

function parseParameters(query: string | undefined): ScopeParameter[] | undefined {
  if (query === undefined) return [];
  const parameters: ScopeParameter[] = [];
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) return undefined;
    const name = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    if (!PARAMETER_NAME.test(name) || value === '' || /\s/.test(value)) return undefined;
    if (!parameters.some((p) => p.name === name && p.value === value)) parameters.push({ name, value });
  }
  return parameters.sort(compareParameters);
}

function parseInteractions(permissions: string): Pick<ResourceScope, 'interactions' | 'syntax'> | undefined {
  const v1 = V1_PERMISSIONS[permissions];
  if (v1) return { interactions: v1, syntax: 'v1' };
  if (permissions === '' || !V2_PERMISSIONS.test(permissions)) return undefined;
  return { interactions: [...permissions] as Interaction[], syntax: 'v2' };
}

/** Parses one scope token; undefined when it is not a SMART resource scope. */
export function parseScope(token: string): ResourceScope | undefined {
  if (token.length > MAX_SCOPE_LENGTH) return undefined;
  const match = SCOPE_SHAPE.exec(token);
  if (!match) return undefined;
  const [, context, resourceType, permissions, query] = match;
  const access = parseInteractions(permissions);
  const parameters = parseParameters(query);
  if (!access || !parameters) return undefined;
  return { context: context as ScopeContext, resourceType, ...access, parameters };
}

/** Splits an OAuth `scope` value (space-separated tokens) into its tokens. */
export function splitScopes(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((token) => token !== '');
}

/** Writes a scope in v2 syntax. */
export function formatScope(scope: ResourceScope): string {
  const query = scope.parameters.map((p) => `${p.name}=${p.value}`).join('&');
  return `${scope.context}/${scope.resourceType}.${scope.interactions.join('')}${query ? `?${query}` : ''}`;
}

/** True when `outer` permits everything `inner` does (same context, wider type and permissions, fewer restrictions). */
export function scopeCovers(outer: ResourceScope, inner: ResourceScope): boolean {
  return (
    outer.context === inner.context &&
    (outer.resourceType === '*' || outer.resourceType === inner.resourceType) &&
    inner.interactions.every((i) => outer.interactions.includes(i)) &&
    outer.parameters.every((p) => inner.parameters.some((q) => compareParameters(p, q) === 0))
  );
}

/** What both scopes permit, as one v2 scope; undefined when they share nothing. */
export function intersectScopes(a: ResourceScope, b: ResourceScope): ResourceScope | undefined {
  if (a.context !== b.context) return undefined;
  let resourceType: string;
  if (a.resourceType === '*') resourceType = b.resourceType;
  else if (b.resourceType === '*' || b.resourceType === a.resourceType) resourceType = a.resourceType;
  else return undefined;
  const interactions = INTERACTIONS.filter((i) => a.interactions.includes(i) && b.interactions.includes(i));
  if (interactions.length === 0) return undefined;
  const parameters = [...a.parameters];
  for (const p of b.parameters) if (!parameters.some((q) => compareParameters(p, q) === 0)) parameters.push(p);
  return { context: a.context, resourceType, interactions, syntax: 'v2', parameters: parameters.sort(compareParameters) };
}

/** The `system/` scope that grants exactly `interactions` on `resourceType`, e.g. `system/Task.r`. */
export function systemScope(resourceType: string, interactions: readonly Interaction[]): string {
  const ordered = INTERACTIONS.filter((i) => interactions.includes(i));
  return formatScope({ context: 'system', resourceType, interactions: ordered, syntax: 'v2', parameters: [] });
}
