import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hashClientSecret } from '../../src/auth/client-secret';
import { createTestClient, ensureTestTenant } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { assertionForm, basic, clientAssertion, keyPair, requestToken, TokenAnswer } from './token-client';

function expectOAuthError(answer: TokenAnswer, status: number, error: string): void {
  expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
  expect(typeof answer.body.error_description).toBe('string');
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('POST /oauth2/token', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await bootTestApp();
  });
  afterAll(() => service.close());

  async function whoami(accessToken: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${service.baseUrl}/oauth2/whoami`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: response.status, body: await response.json() };
  }

  describe('client_secret_basic', () => {
    it('issues a signed access token for the client, its tenant and scopes', async () => {
      const client = await createTestClient(service, { tenant: 'acme', scopes: ['system/*.rs'] });
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials' },
        headers: { authorization: basic(client.clientId, client.clientSecret) },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('pragma')).toBe('no-cache');
      expect(answer.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 300, scope: 'system/*.rs' });

      const token = answer.body.access_token as string;
      const header = decodeProtectedHeader(token);
      const claims = decodeJwt(token);
      const jwks = (await (await fetch(`${service.baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      expect(header).toMatchObject({ alg: 'ES256', kid: jwks.keys[0].kid, typ: 'at+jwt' });
      expect(claims).toMatchObject({
        iss: service.config.baseUrl,
        aud: service.config.baseUrl,
        sub: client.clientId,
        scope: 'system/*.rs',
        tenant: 'acme',
      });
      expect(claims.exp! - claims.iat!).toBe(300);
      expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(10);
      expect(typeof claims.jti).toBe('string');
      // verifiable by anyone with the published keys
      await expect(jwtVerify(token, createLocalJWKSet(jwks as never), { issuer: service.config.baseUrl })).resolves.toBeDefined();

      expect(await whoami(token)).toEqual({ status: 200, body: { client_id: client.clientId, tenant: 'acme', scope: 'system/*.rs' } });
    });

    it('form-decodes the id and secret (RFC 6749 §2.3.1)', async () => {
      await ensureTestTenant(service, 'default');
      const clientId = 'svc client:1';
      const secret = 'p@ss word+/=:%é';
      await service.sql(`INSERT INTO api_clients (client_id, tenant_id, name, secret_hash, scopes) VALUES ($1, 'default', 'odd', $2, $3)`, [
        clientId,
        await hashClientSecret(secret),
        ['system/Task.rs'],
      ]);
      const answer = await requestToken(service, { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(clientId, secret) } });
      expect(answer.status).toBe(200);
      expect(decodeJwt(answer.body.access_token as string).sub).toBe(clientId);
    });

    it('refuses a wrong secret with 401 invalid_client and a Basic challenge', async () => {
      const client = await createTestClient(service, { scopes: ['system/*.rs'] });
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials' },
        headers: { authorization: basic(client.clientId, `${client.clientSecret}x`) },
      });
      expectOAuthError(answer, 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="liaison"');
    });

    it('answers an unknown client exactly like a wrong secret', async () => {
      const client = await createTestClient(service, { scopes: ['system/*.rs'] });
      const wrongSecret = await requestToken(service, {
        form: { grant_type: 'client_credentials' },
        headers: { authorization: basic(client.clientId, 'not-the-secret') },
      });
      const unknown = await requestToken(service, {
        form: { grant_type: 'client_credentials' },
        headers: { authorization: basic('no-such-client', 'not-the-secret') },
      });
      expectOAuthError(unknown, 401, 'invalid_client');
      expect(unknown.body).toEqual(wrongSecret.body);
    });

    it('refuses malformed Basic credentials', async () => {
      for (const authorization of ['Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from('%zz:x').toString('base64')}`]) {
        const answer = await requestToken(service, { form: { grant_type: 'client_credentials' }, headers: { authorization } });
        expectOAuthError(answer, 401, 'invalid_client');
        expect(answer.headers.get('www-authenticate')).toBe('Basic realm="liaison"');
      }
    });
  });

  describe('client_secret_post', () => {
    it('issues a token', async () => {
      const client = await createTestClient(service, { scopes: ['system/Task.cruds'] });
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.scope).toBe('system/Task.cruds');
      expect((await whoami(answer.body.access_token as string)).status).toBe(200);
    });

    it('refuses a wrong secret with 401 invalid_client and no Basic challenge', async () => {
      const client = await createTestClient(service, { scopes: ['system/Task.cruds'] });
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'wrong' },
      });
      expectOAuthError(answer, 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toBeNull();
    });

    it('refuses a secret for a client registered without one', async () => {
      const key = await keyPair('ES384', 'k1');
      const client = await createTestClient(service, { scopes: ['system/*.rs'], jwks: { keys: [key.publicJwk] }, withSecret: false });
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret },
      });
      expectOAuthError(answer, 401, 'invalid_client');
    });
  });

  describe('private_key_jwt (SMART Backend Services)', () => {
    it.each(['ES384', 'RS384', 'ES256', 'RS256'] as const)('issues a token for an assertion signed with %s', async (alg) => {
      const key = await keyPair(alg, `key-${alg}`);
      const client = await createTestClient(service, { tenant: 'acme', scopes: ['system/*.rs'], jwks: { keys: [key.publicJwk] }, withSecret: false });
      const answer = await requestToken(service, { form: assertionForm(await clientAssertion(service, client.clientId, key)) });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ token_type: 'Bearer', scope: 'system/*.rs' });
      expect(await whoami(answer.body.access_token as string)).toEqual({
        status: 200,
        body: { client_id: client.clientId, tenant: 'acme', scope: 'system/*.rs' },
      });
    });

    it('finds the key among several when the assertion has no kid', async () => {
      const other = await keyPair('ES384', 'other');
      const key = await keyPair('ES384', 'mine');
      const client = await createTestClient(service, { scopes: ['system/*.rs'], jwks: { keys: [other.publicJwk, key.publicJwk] } });
      const assertion = await clientAssertion(service, client.clientId, key, { header: { kid: undefined } });
      expect((await requestToken(service, { form: assertionForm(assertion) })).status).toBe(200);
    });

    it('refuses an assertion whose client_id field names another client', async () => {
      const key = await keyPair('ES384', 'k1');
      const client = await createTestClient(service, { scopes: ['system/*.rs'], jwks: { keys: [key.publicJwk] } });
      const answer = await requestToken(service, {
        form: assertionForm(await clientAssertion(service, client.clientId, key), { client_id: 'someone-else' }),
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it('refuses a wrong client_assertion_type', async () => {
      const key = await keyPair('ES384', 'k1');
      const client = await createTestClient(service, { scopes: ['system/*.rs'], jwks: { keys: [key.publicJwk] } });
      const answer = await requestToken(service, {
        form: assertionForm(await clientAssertion(service, client.clientId, key), { client_assertion_type: 'urn:example:saml' }),
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });
  });

  describe('scopes', () => {
    it.each<[string | undefined, string[], string]>([
      [undefined, ['system/*.rs', 'system/Task.cruds'], 'system/*.rs system/Task.cruds'],
      ['system/Task.rs', ['system/*.*'], 'system/Task.rs'],
      ['system/Task.cruds system/Patient.rs', ['system/*.rs'], 'system/Task.rs system/Patient.rs'],
      ['system/Task.read', ['system/Task.cruds'], 'system/Task.read'],
      ['system/Task.rs system/Encounter.rs', ['system/Task.cruds'], 'system/Task.rs'],
    ])('requested %j of %j grants %j', async (requested, allowed, granted) => {
      const client = await createTestClient(service, { scopes: allowed });
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials', ...(requested !== undefined && { scope: requested }) },
        headers: { authorization: basic(client.clientId, client.clientSecret) },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.scope).toBe(granted);
      expect(decodeJwt(answer.body.access_token as string).scope).toBe(granted);
    });

    it.each([
      ['a malformed scope', 'system/Task.sr'],
      ['a scope the client may not have', 'system/Patient.rs'],
      ['a non-SMART scope', 'openid'],
    ])('refuses %s with invalid_scope', async (_case, scope) => {
      const client = await createTestClient(service, { scopes: ['system/Task.rs'] });
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials', scope },
        headers: { authorization: basic(client.clientId, client.clientSecret) },
      });
      expectOAuthError(answer, 400, 'invalid_scope');
    });
  });

  describe('malformed requests', () => {
    let client: { clientId: string; clientSecret: string };
    beforeAll(async () => {
      client = await createTestClient(service, { scopes: ['system/*.rs'] });
    });

    it('refuses another grant type', async () => {
      const answer = await requestToken(service, {
        form: { grant_type: 'password', username: 'u', password: 'p' },
        headers: { authorization: basic(client.clientId, client.clientSecret) },
      });
      expectOAuthError(answer, 400, 'unsupported_grant_type');
    });

    it('refuses a request without grant_type', async () => {
      const answer = await requestToken(service, { form: {}, headers: { authorization: basic(client.clientId, client.clientSecret) } });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it('refuses a request without client authentication', async () => {
      const answer = await requestToken(service, { form: { grant_type: 'client_credentials', client_id: client.clientId } });
      expectOAuthError(answer, 401, 'invalid_client');
    });

    it('refuses two authentication methods at once', async () => {
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret },
        headers: { authorization: basic(client.clientId, client.clientSecret) },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it('refuses a repeated parameter', async () => {
      const answer = await requestToken(service, {
        rawBody: 'grant_type=client_credentials&scope=system%2FTask.rs&scope=system%2FPatient.rs',
        headers: { authorization: basic(client.clientId, client.clientSecret) },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it('refuses a JSON body', async () => {
      const answer = await requestToken(service, {
        rawBody: JSON.stringify({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
        headers: { 'content-type': 'application/json' },
      });
      expectOAuthError(answer, 400, 'invalid_request');
    });

    it('never echoes the secret', async () => {
      const answer = await requestToken(service, {
        form: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: `${client.clientSecret}-typo` },
      });
      expect(answer.status).toBe(401);
      expect(JSON.stringify(answer.body)).not.toContain(client.clientSecret);
    });
  });

  describe('disabled clients', () => {
    it('get no token, whichever way they authenticate', async () => {
      const key = await keyPair('ES384', 'k1');
      const client = await createTestClient(service, { scopes: ['system/*.rs'], jwks: { keys: [key.publicJwk] } });
      await service.sql('UPDATE api_clients SET active = false WHERE client_id = $1', [client.clientId]);
      const bySecret = await requestToken(service, {
        form: { grant_type: 'client_credentials' },
        headers: { authorization: basic(client.clientId, client.clientSecret) },
      });
      expectOAuthError(bySecret, 400, 'unauthorized_client');
      const byAssertion = await requestToken(service, { form: assertionForm(await clientAssertion(service, client.clientId, key)) });
      expectOAuthError(byAssertion, 400, 'unauthorized_client');
    });
  });

  it('stores secrets only as salted scrypt hashes', async () => {
    const first = await createTestClient(service, { scopes: ['system/*.rs'] });
    const second = await createTestClient(service, { scopes: ['system/*.rs'] });
    const rows = await service.sql('SELECT client_id, secret_hash FROM api_clients WHERE client_id = ANY($1)', [[first.clientId, second.clientId]]);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.secret_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
      expect(row.secret_hash).not.toContain(first.clientSecret);
      expect(row.secret_hash).not.toContain(second.clientSecret);
    }
    const salt = (hash: unknown): string => String(hash).split('$')[4];
    expect(salt(rows[0].secret_hash)).not.toBe(salt(rows[1].secret_hash));
  });
});

describe('discovery and keys', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await bootTestApp({ LIAISON_BASE_URL: 'https://liaison.example.org' });
  });
  afterAll(() => service.close());

  it('publishes the SMART configuration for backend services', async () => {
    const response = await fetch(`${service.baseUrl}/.well-known/smart-configuration`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string[]>;
    expect(body).toMatchObject({
      issuer: 'https://liaison.example.org',
      token_endpoint: 'https://liaison.example.org/oauth2/token',
      jwks_uri: 'https://liaison.example.org/.well-known/jwks.json',
      grant_types_supported: ['client_credentials'],
    });
    expect(body.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['private_key_jwt', 'client_secret_basic', 'client_secret_post']),
    );
    expect([...body.token_endpoint_auth_signing_alg_values_supported].sort()).toEqual(['ES256', 'ES384', 'RS256', 'RS384']);
    expect(body.capabilities).toEqual(
      expect.arrayContaining(['client-confidential-asymmetric', 'client-confidential-symmetric', 'permission-v2', 'permission-v1']),
    );
    expect(body.scopes_supported).toEqual(expect.arrayContaining(['system/*.rs', 'system/*.cruds']));
  });

  it('publishes only the public part of the signing key, cacheable for five minutes', async () => {
    const response = await fetch(`${service.baseUrl}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
    expect(keys[0].kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: keys[0].x, y: keys[0].y }));
  });

  it('keeps the generated key private on disk (folder 0700, file 0600)', async () => {
    const dir = join(service.config.dataDir, 'keys');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'signing-key.json'))).mode & 0o777).toBe(0o600);
  });

  it('issues tokens whose iss and aud are the configured base URL', async () => {
    const client = await createTestClient(service, { scopes: ['system/*.rs'] });
    const answer = await requestToken(service, { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(client.clientId, client.clientSecret) } });
    expect(decodeJwt(answer.body.access_token as string)).toMatchObject({
      iss: 'https://liaison.example.org',
      aud: 'https://liaison.example.org',
    });
  });

  it('expects client assertions addressed to the configured token URL', async () => {
    const key = await keyPair('ES384', 'k1');
    const client = await createTestClient(service, { scopes: ['system/*.rs'], jwks: { keys: [key.publicJwk] } });
    const local = await clientAssertion(service, client.clientId, key, { claims: { aud: `${service.baseUrl}/oauth2/token` } });
    expect((await requestToken(service, { form: assertionForm(local) })).status).toBe(401);
    const configured = await clientAssertion(service, client.clientId, key);
    expect((await requestToken(service, { form: assertionForm(configured) })).status).toBe(200);
  });
});
