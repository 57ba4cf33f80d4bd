import type { BenchClient } from './scenario';

/** `Authorization: Basic …` for OAuth 2.0 `client_secret_basic` (RFC 6749 §2.3.1). */
export function basicAuthorization(client: BenchClient): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.secret)}`).toString('base64')}`;
}

export const TOKEN_REQUEST_BODY = 'grant_type=client_credentials';

/** An access token for the benchmark's client, from the service's own token endpoint. */
export async function accessToken(baseUrl: string, client: BenchClient, scope?: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope && { scope }) });
  const response = await fetch(new URL('/oauth2/token', baseUrl), {
    method: 'POST',
    headers: { authorization: basicAuthorization(client), 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (response.status !== 200) {
    throw new Error(`POST /oauth2/token answered ${response.status}, expected 200 with an access token`);
  }
  const { access_token: token } = (await response.json()) as { access_token?: unknown };
  if (typeof token !== 'string' || !token) throw new Error('POST /oauth2/token returned no access_token');
  return token;
}
