import { randomBytes } from 'node:crypto';
import { generateClientSecret, hashClientSecret } from '../../src/auth/client-secret';
import type { TestApp } from './test-app';

export interface IssuedToken {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accessToken: string;
  readonly tenantId: string;
}

/** Creates the tenant when missing; the row is arranged as the superuser, past row-level security. */
export async function ensureTestTenant(service: TestApp, tenantId: string): Promise<void> {
  await service.sql(`INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [tenantId, `Tenant ${tenantId}`]);
}

/** Registers an API client with a fresh secret in `tenantId` and returns its credentials. */
export async function createTestClient(
  service: TestApp,
  opts: { tenant?: string; scopes: string[]; jwks?: unknown; withSecret?: boolean },
): Promise<{ clientId: string; clientSecret: string; tenantId: string }> {
  const tenantId = opts.tenant ?? 'default';
  await ensureTestTenant(service, tenantId);
  const clientId = `test-${randomBytes(8).toString('hex')}`;
  const clientSecret = generateClientSecret();
  const secretHash = opts.withSecret === false ? null : await hashClientSecret(clientSecret);
  await service.sql(
    `INSERT INTO api_clients (client_id, tenant_id, name, secret_hash, jwks, scopes) VALUES ($1, $2, $3, $4, $5, $6)`,
    [clientId, tenantId, `test client ${clientId}`, secretHash, opts.jwks === undefined ? null : JSON.stringify(opts.jwks), opts.scopes],
  );
  return { clientId, clientSecret, tenantId };
}

/**
 * A client in `tenant` (default `default`, created when missing) with `scopes`, and an access
 * token for it from the real `POST /oauth2/token` (client_secret_basic).
 */
export async function issueToken(
  service: TestApp,
  opts: { tenant?: string; scopes: string[] },
): Promise<{ clientId: string; clientSecret: string; accessToken: string; tenantId: string }> {
  const client = await createTestClient(service, opts);
  const response = await fetch(`${service.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: opts.scopes.join(' ') }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (response.status !== 200 || !body.access_token) {
    throw new Error(`POST /oauth2/token answered ${response.status}: ${body.error ?? ''} ${body.error_description ?? ''}`);
  }
  return { ...client, accessToken: body.access_token };
}
