import type { TestApp } from '../../harness/test-app';

export interface GraphqlResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly data: T | null;
  readonly errors: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[] | undefined;
}

/** POST /graphql over real HTTP, as an app does. */
export async function graphql<T = Record<string, unknown>>(
  service: TestApp,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphqlResponse<T>> {
  const response = await fetch(`${service.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphqlResponse['errors'] };
  return { status: response.status, data: body.data ?? null, errors: body.errors };
}

/** The `extensions.code` of each error, in order. */
export function codes(response: GraphqlResponse<unknown>): (string | undefined)[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}
