import { createHmac, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryptoKey, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';
import { AccessTokenService } from '../../src/auth/access-token.service';
import { SigningKeyService } from '../../src/auth/signing-key.service';
import { loadConfig } from '../../src/platform/config/config';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { handmadeJwt } from './token-client';

/** The service's own key, read from the data folder, to craft tokens a test needs. */
async function serviceKey(service: TestApp): Promise<{ key: CryptoKey; jwk: JWK }> {
  const jwk = JSON.parse(await readFile(join(service.config.dataDir, 'keys', 'signing-key.json'), 'utf8')) as JWK;
  return { key: (await importJWK(jwk, 'ES256')) as CryptoKey, jwk };
}

function validClaims(service: TestApp): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: service.config.baseUrl,
    aud: service.config.baseUrl,
    sub: 'crafted-client',
    iat: now,
    exp: now + 120,
    jti: randomUUID(),
    scope: 'system/*.rs',
    tenant: 'default',
  };
}

async function craft(
  service: TestApp,
  overrides: { claims?: Record<string, unknown>; key?: CryptoKey; kid?: string | null; typ?: string | null } = {},
): Promise<string> {
  const own = await serviceKey(service);
  const claims = { ...validClaims(service), ...overrides.claims };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  const header: { alg: string; kid?: string; typ?: string } = { alg: 'ES256' };
  const kid = overrides.kid === undefined ? own.jwk.kid : overrides.kid;
  if (kid !== null) header.kid = kid;
  const typ = overrides.typ === undefined ? 'at+jwt' : overrides.typ;
  if (typ !== null) header.typ = typ;
  return new SignJWT(claims).setProtectedHeader(header).sign(overrides.key ?? own.key);
}

describe('access tokens and the global guard', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await bootTestApp();
  });
  afterAll(() => service.close());

  async function whoami(authorization?: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    const response = await fetch(`${service.baseUrl}/oauth2/whoami`, { headers: authorization ? { authorization } : {} });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }

  async function expect401(authorization: string | undefined, message: RegExp): Promise<void> {
    const answer = await whoami(authorization);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'unauthorized', message: expect.stringMatching(message) });
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="liaison", error="invalid_token"');
  }

  it('accepts a token from the token endpoint', async () => {
    const { accessToken, clientId } = await issueToken(service, { scopes: ['system/Task.rs'] });
    const answer = await whoami(`Bearer ${accessToken}`);
    expect(answer).toMatchObject({ status: 200, body: { client_id: clientId, tenant: 'default', scope: 'system/Task.rs' } });
  });

  it('stops accepting a remembered token once it expires', async () => {
    const token = await craft(service, { claims: { exp: Math.floor(Date.now() / 1000) + 90 } });
    const tokens = service.app.get(AccessTokenService);
    await expect(tokens.verify(token)).resolves.toMatchObject({ clientId: 'crafted-client' });
    expect((await whoami(`Bearer ${token}`)).status).toBe(200);
    await expect(tokens.verify(token, Date.now() + 91_000)).rejects.toThrow(/login|expired|access token/);
  });

  it('accepts a well-formed token crafted with the service key (the control for the cases below)', async () => {
    expect((await whoami(`Bearer ${await craft(service)}`)).status).toBe(200);
  });

  it('refuses a request without a token', async () => {
    await expect401(undefined, /access token is required/);
  });

  it.each([
    ['garbage', 'Bearer garbage'],
    ['three garbage parts', 'Bearer aaa.bbb.ccc'],
    ['an empty bearer', 'Bearer '],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare token', 'eyJhbGciOiJFUzI1NiJ9.e30.sig'],
  ])('refuses %s', async (_case, authorization) => {
    await expect401(authorization, /access token|Authorization header/);
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(`Bearer ${await craft(service, { claims: { iat: now - 600, exp: now - 300 } })}`, /expired/);
  });

  it('refuses a token from another issuer', async () => {
    await expect401(`Bearer ${await craft(service, { claims: { iss: 'https://other.example' } })}`, /"iss"/);
  });

  it('refuses a token for another audience', async () => {
    await expect401(`Bearer ${await craft(service, { claims: { aud: 'https://other.example' } })}`, /"aud"/);
  });

  it('refuses a token missing the tenant', async () => {
    await expect401(`Bearer ${await craft(service, { claims: { tenant: undefined } })}`, /"tenant"/);
  });

  it('refuses a JWT of another type signed with the service key', async () => {
    await expect401(`Bearer ${await craft(service, { typ: null })}`, /"typ"/);
    await expect401(`Bearer ${await craft(service, { typ: 'JWT' })}`, /"typ"/);
  });

  it('refuses a token signed by another key, with or without our kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    await expect401(`Bearer ${await craft(service, { key: privateKey })}`, /signature does not verify/);
    await expect401(`Bearer ${await craft(service, { key: privateKey, kid: null })}`, /signature does not verify/);
    await expect401(`Bearer ${await craft(service, { key: privateKey, kid: 'another-kid' })}`, /not signed with a key of this service/);
  });

  it('refuses a token from another Liaison (its own generated key)', async () => {
    const other = await bootTestApp();
    try {
      const { accessToken } = await issueToken(other, { scopes: ['system/*.rs'] });
      await expect401(`Bearer ${accessToken}`, /not signed with a key of this service|signature does not verify/);
    } finally {
      await other.close();
    }
  });

  it('refuses alg none and HS256 keyed with the public key', async () => {
    const { jwk } = await serviceKey(service);
    await expect401(`Bearer ${handmadeJwt({ alg: 'none', typ: 'at+jwt' }, validClaims(service))}`, /ES256/);
    const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: jwk.kid, typ: 'at+jwt' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(validClaims(service))).toString('base64url');
    const signature = createHmac('sha256', JSON.stringify(publicJwk)).update(`${header}.${payload}`).digest('base64url');
    await expect401(`Bearer ${header}.${payload}.${signature}`, /ES256/);
  });

  it('leaves public routes open, even with a bad token', async () => {
    for (const path of ['/health/live', '/.well-known/jwks.json', '/.well-known/smart-configuration']) {
      const response = await fetch(`${service.baseUrl}${path}`, { headers: { authorization: 'Bearer garbage' } });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });
});

describe('the signing key', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-keys-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('is generated once and reused on the next start, so earlier tokens stay valid', async () => {
    // Both starts present the same public base URL (the token's issuer), as a restarted service does.
    const publicUrl = { LIAISON_DATA_DIR: dataDir, LIAISON_BASE_URL: 'https://liaison.example.org' };
    const first = await bootTestApp(publicUrl);
    let token: string;
    try {
      ({ accessToken: token } = await issueToken(first, { scopes: ['system/*.rs'] }));
    } finally {
      await first.close();
    }
    const second = await bootTestApp(publicUrl);
    try {
      const jwks = (await (await fetch(`${second.baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(token).kid]);
      const response = await fetch(`${second.baseUrl}/oauth2/whoami`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('comes from LIAISON_SIGNING_KEY_FILE when set', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const file = join(dataDir, 'configured-key.json');
    await writeFile(file, JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'ops-2026' }));
    await chmod(file, 0o600);
    const service = await bootTestApp({ LIAISON_SIGNING_KEY_FILE: file });
    try {
      const jwks = (await (await fetch(`${service.baseUrl}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kid: 'ops-2026', kty: 'EC', crv: 'P-256' });
      expect(jwks.keys[0]).not.toHaveProperty('d');
      const { accessToken } = await issueToken(service, { scopes: ['system/*.rs'] });
      expect(decodeProtectedHeader(accessToken).kid).toBe('ops-2026');
    } finally {
      await service.close();
    }
  });

  it('refuses to start with a configured key that is not a private P-256 key', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const file = join(dataDir, 'public-only.json');
    await writeFile(file, JSON.stringify(await exportJWK(publicKey)));
    // the service's key loading, run as start-up runs it (booting a whole app that fails would leak its pool)
    const config = loadConfig({ LIAISON_DATA_DIR: dataDir, LIAISON_SIGNING_KEY_FILE: file }, process.cwd());
    await expect(new SigningKeyService(config).onModuleInit()).rejects.toThrow(/private EC P-256 JWK/);
    const missing = loadConfig({ LIAISON_DATA_DIR: dataDir, LIAISON_SIGNING_KEY_FILE: join(dataDir, 'nope.json') }, process.cwd());
    await expect(new SigningKeyService(missing).onModuleInit()).rejects.toThrow(/does not exist/);
  });
});
