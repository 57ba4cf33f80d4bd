import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';

/**
 * A resource as JSON text that is already serialized (a stored row read as `content::text`):
 * put into a response as is, parsed only when a caller needs the object.
 */
export interface ResourceJson {
  readonly json: string;
}

export type SearchMode = 'match' | 'include' | 'outcome';

export interface SearchsetEntry {
  readonly fullUrl?: string;
  readonly resource: Resource | ResourceJson;
  readonly mode: SearchMode;
}

/** A `searchset` Bundle before it is rendered as an object or as JSON text. */
export interface Searchset {
  readonly total?: number;
  readonly link: readonly BundleLink[];
  readonly entry: readonly SearchsetEntry[];
}

const isJson = (resource: Resource | ResourceJson): resource is ResourceJson => !('resourceType' in resource);

/** The Bundle as an object: JSON text resources are parsed. */
export function searchsetBundle(searchset: Searchset): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(searchset.total === undefined ? {} : { total: searchset.total }),
    link: [...searchset.link],
    entry: searchset.entry.map(
      ({ fullUrl, resource, mode }): BundleEntry => ({
        ...(fullUrl === undefined ? {} : { fullUrl }),
        resource: isJson(resource) ? (JSON.parse(resource.json) as Resource) : resource,
        search: { mode },
      }),
    ),
  };
}

/**
 * The Bundle as JSON text, the same document `JSON.stringify(searchsetBundle(…))` gives (same
 * members in the same order), except that JSON text resources are spliced in verbatim instead
 * of being parsed and serialized again.
 */
export function searchsetJson(searchset: Searchset): string {
  const head = JSON.stringify({
    resourceType: 'Bundle',
    type: 'searchset',
    ...(searchset.total === undefined ? {} : { total: searchset.total }),
    link: searchset.link,
  });
  const entries = searchset.entry.map(({ fullUrl, resource, mode }) => {
    const url = fullUrl === undefined ? '' : `"fullUrl":${JSON.stringify(fullUrl)},`;
    const body = isJson(resource) ? resource.json : JSON.stringify(resource);
    return `{${url}"resource":${body},"search":{"mode":${JSON.stringify(mode)}}}`;
  });
  return `${head.slice(0, -1)},"entry":[${entries.join(',')}]}`;
}
