import type { Bundle, Resource } from '@medplum/fhirtypes';
import { issueToken } from '../harness/auth';
import type { TestApp } from '../harness/test-app';

/** Raw FHIR REST calls for one tenant's client, as an integration engineer would make them. */
export interface SearchTestClient {
  readonly tenantId: string;
  readonly token: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POST the resource; fails the test unless it is created. */
  create<T extends Resource>(resource: T): Promise<T>;
  /** PUT with a client-chosen id (create-on-update). */
  put<T extends Resource>(resource: T): Promise<T>;
  /** GET `/fhir/R4/<path>` (a search); fails the test unless 200. */
  search(path: string, headers?: Record<string, string>): Promise<Bundle>;
}

export async function searchClient(service: TestApp, tenant: string): Promise<SearchTestClient> {
  const { accessToken, tenantId } = await issueToken(service, { tenant, scopes: ['system/*.cruds'] });
  // Links in Bundles carry the configured public base URL; the test service listens elsewhere.
  const urlOf = (path: string): string => {
    if (!path.startsWith('http')) return `${service.baseUrl}/fhir/R4/${path}`;
    const url = new URL(path);
    return `${service.baseUrl}${url.pathname}${url.search}`;
  };
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(urlOf(path), {
      method,
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/fhir+json',
        ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const expectOk = async <T>(response: Response, what: string, statuses: number[]): Promise<T> => {
    const text = await response.text();
    if (!statuses.includes(response.status)) throw new Error(`${what} answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
  return {
    tenantId,
    token: accessToken,
    request,
    create: async (resource) =>
      expectOk(await request('POST', resource.resourceType, resource, { prefer: 'return=representation' }), `POST ${resource.resourceType}`, [201]),
    put: async (resource) =>
      expectOk(
        await request('PUT', `${resource.resourceType}/${resource.id}`, resource, { prefer: 'return=representation' }),
        `PUT ${resource.resourceType}/${resource.id}`,
        [200, 201],
      ),
    search: async (path, headers) => expectOk(await request('GET', path, undefined, headers), `GET ${path}`, [200]),
  };
}

/** Ids of the `match` entries, in order. */
export function matchIds(bundle: Bundle): string[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);
}

/** `Type/id` of the `include` entries, sorted. */
export function includedRefs(bundle: Bundle): string[] {
  return (bundle.entry ?? [])
    .filter((e) => e.search?.mode === 'include')
    .map((e) => `${e.resource!.resourceType}/${e.resource!.id}`)
    .sort();
}

export function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}
