import { badRequest, OperationOutcomeError } from '@medplum/core';

/** What a FHIR REST URL (relative to the base) addresses. */
export interface RequestTarget {
  readonly resourceType: string;
  readonly id?: string;
  readonly versionId?: string;
  /** `Type/_history` or `Type/id/_history`. */
  readonly history?: boolean;
  /** `$name` of an operation, without the `$`. */
  readonly operation?: string;
  /** Query parameters (search, or the condition of a conditional interaction). */
  readonly query: Record<string, string[]>;
}

/** Query string to the `Record<string, string[]>` the search service takes. */
export function parseQueryString(query: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    (result[name] ??= []).push(value);
  }
  return result;
}

/** Parsed query objects (Fastify's `request.query`) to the same shape. */
export function normaliseQuery(query: Record<string, unknown> | undefined): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    result[name] = Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return result;
}

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * Parses a request URL as written in a Bundle entry (`Patient/1`, `Patient?identifier=…`,
 * `Task/9/_history/2`), or an absolute URL on `baseUrl`. URLs on other servers are a 400.
 */
export function parseRequestUrl(url: string, baseUrl: string): RequestTarget {
  let relative = url.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(relative)) {
    const base = baseUrl.replace(/\/+$/, '');
    if (!relative.startsWith(`${base}/`)) {
      throw new OperationOutcomeError(badRequest(`Request URL ${url} is not on this server (${base})`));
    }
    relative = relative.slice(base.length + 1);
  }
  relative = relative.replace(/^\/+/, '');
  const queryAt = relative.indexOf('?');
  const path = queryAt >= 0 ? relative.slice(0, queryAt) : relative;
  const query = queryAt >= 0 ? parseQueryString(relative.slice(queryAt + 1)) : {};
  const segments = path.split('/').filter((segment) => segment !== '');
  const [resourceType, second, third, fourth, ...rest] = segments;
  if (!resourceType || !TYPE.test(resourceType) || rest.length > 0) {
    throw new OperationOutcomeError(badRequest(`Cannot understand request URL ${url}`));
  }
  if (second === undefined) return { resourceType, query };
  if (second === '_history' && third === undefined) return { resourceType, history: true, query };
  if (second.startsWith('$') && third === undefined) return { resourceType, operation: second.slice(1), query };
  if (third === undefined) return { resourceType, id: decodeURIComponent(second), query };
  if (third === '_history' && fourth === undefined) return { resourceType, id: decodeURIComponent(second), history: true, query };
  if (third === '_history' && fourth !== undefined) {
    return { resourceType, id: decodeURIComponent(second), versionId: decodeURIComponent(fourth), query };
  }
  if (third.startsWith('$') && fourth === undefined) {
    return { resourceType, id: decodeURIComponent(second), operation: third.slice(1), query };
  }
  throw new OperationOutcomeError(badRequest(`Cannot understand request URL ${url}`));
}
