import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { createTestClient } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { assertionForm, clientAssertion, handmadeJwt, KeyPair, keyPair, requestToken } from './token-client';

/** Each way a SMART Backend Services client assertion can be forged or misused is refused. */
describe('private_key_jwt client assertions', () => {
  let service: TestApp;
  let clientId: string;
  let key: KeyPair;
  let tokenUrl: string;

  beforeAll(async () => {
    service = await bootTestApp();
    key = await keyPair('ES384', 'key-1');
    const rsa = await keyPair('RS384', 'key-2');
    ({ clientId } = await createTestClient(service, {
      scopes: ['system/*.rs'],
      jwks: { keys: [key.publicJwk, rsa.publicJwk] },
      withSecret: false,
    }));
    tokenUrl = `${service.config.baseUrl}/oauth2/token`;
  });
  afterAll(() => service.close());

  async function expectRefused(assertion: string, description: RegExp): Promise<void> {
    const answer = await requestToken(service, { form: assertionForm(assertion) });
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    expect(answer.body.error_description).toMatch(description);
    expect(answer.headers.get('cache-control')).toBe('no-store');
  }

  function validClaims(): Record<string, unknown> {
    return { iss: clientId, sub: clientId, aud: tokenUrl, exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID() };
  }

  it('accepts the valid assertion these cases start from', async () => {
    const answer = await requestToken(service, { form: assertionForm(await clientAssertion(service, clientId, key)) });
    expect(answer.status).toBe(200);
  });

  it('refuses alg "none"', async () => {
    await expectRefused(handmadeJwt({ alg: 'none', typ: 'JWT' }, validClaims()), /alg must be one of/);
    await expectRefused(handmadeJwt({ alg: 'none', kid: 'key-1' }, validClaims(), 'AAAA'), /alg must be one of/);
  });

  it('refuses HS256 keyed with the registered public key (key confusion)', async () => {
    const header = { alg: 'HS256', kid: 'key-1', typ: 'JWT' };
    const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(validClaims())).toString('base64url')}`;
    const pem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [pem, JSON.stringify(key.publicJwk)]) {
      const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      await expectRefused(`${signingInput}.${signature}`, /alg must be one of/);
    }
  });

  it('refuses an RSA alg on an EC key (alg/key-type confusion)', async () => {
    const impostor = await keyPair('RS384', 'key-1');
    await expectRefused(await clientAssertion(service, clientId, impostor), /no registered key/);
  });

  it('refuses an assertion signed with a key that is not registered', async () => {
    const stranger = await keyPair('ES384', 'key-1');
    await expectRefused(await clientAssertion(service, clientId, stranger), /signature does not verify/);
    await expectRefused(await clientAssertion(service, clientId, stranger, { header: { kid: undefined } }), /signature does not verify/);
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await clientAssertion(service, clientId, key)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...validClaims(), exp: Math.floor(Date.now() / 1000) + 200 })).toString('base64url');
    await expectRefused(`${header}.${forged}.${signature}`, /signature does not verify/);
  });

  it('refuses iss ≠ sub', async () => {
    await expectRefused(await clientAssertion(service, clientId, key, { claims: { sub: 'someone-else' } }), /"iss" and "sub"/);
  });

  it('refuses iss naming another client (signed with this client key)', async () => {
    const other = await createTestClient(service, { scopes: ['system/*.*'], jwks: { keys: [(await keyPair('ES384', 'o')).publicJwk] } });
    await expectRefused(
      await clientAssertion(service, clientId, key, { claims: { iss: other.clientId, sub: other.clientId }, header: { kid: undefined } }),
      /signature does not verify|no registered key/,
    );
  });

  it('refuses an assertion for an unknown client', async () => {
    await expectRefused(await clientAssertion(service, 'no-such-client', key, { claims: { iss: 'no-such-client', sub: 'no-such-client' } }), /client authentication failed/);
  });

  it.each([
    ['the service base URL', (url: string) => url.replace(/\/oauth2\/token$/, '')],
    ['another server', () => 'https://evil.example/oauth2/token'],
    ['a list without the token URL', () => ['https://evil.example/oauth2/token']],
  ])('refuses aud = %s', async (_case, aud) => {
    await expectRefused(await clientAssertion(service, clientId, key, { claims: { aud: aud(tokenUrl) } }), /"aud"/);
  });

  it('refuses exp more than five minutes ahead', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    await expectRefused(await clientAssertion(service, clientId, key, { claims: { exp } }), /at most 300 seconds/);
  });

  it('refuses an expired assertion', async () => {
    const exp = Math.floor(Date.now() / 1000) - 5;
    await expectRefused(await clientAssertion(service, clientId, key, { claims: { exp } }), /expired/);
  });

  it('refuses an assertion without exp', async () => {
    await expectRefused(await clientAssertion(service, clientId, key, { claims: { exp: undefined } }), /"exp"/);
  });

  it('refuses an assertion without jti', async () => {
    await expectRefused(await clientAssertion(service, clientId, key, { claims: { jti: undefined } }), /"jti"/);
  });

  it('refuses a reused jti, and records the first use', async () => {
    const jti = randomUUID();
    const first = await requestToken(service, { form: assertionForm(await clientAssertion(service, clientId, key, { claims: { jti } })) });
    expect(first.status).toBe(200);
    await expectRefused(await clientAssertion(service, clientId, key, { claims: { jti } }), /already been used/);
    const rows = await service.sql('SELECT tenant_id FROM client_assertion_jtis WHERE client_id = $1 AND jti = $2', [clientId, jti]);
    expect(rows).toEqual([{ tenant_id: 'default' }]);
  });

  it('lets exactly one of two concurrent requests use the same assertion', async () => {
    const assertion = await clientAssertion(service, clientId, key);
    const answers = await Promise.all([1, 2, 3].map(() => requestToken(service, { form: assertionForm(assertion) })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401]);
  });

  it('refuses an unknown kid', async () => {
    await expectRefused(await clientAssertion(service, clientId, key, { header: { kid: 'key-9' } }), /no registered key/);
  });

  it('refuses a JWT that is not one', async () => {
    await expectRefused('not.a.jwt', /not a JWT/);
  });

  it('forgets jtis of expired assertions', async () => {
    await service.sql(`INSERT INTO client_assertion_jtis (client_id, jti, tenant_id, expires_at) VALUES ($1, 'old', 'default', now() - interval '1 hour')`, [clientId]);
    const answer = await requestToken(service, { form: assertionForm(await clientAssertion(service, clientId, key)) });
    expect(answer.status).toBe(200);
    expect(await service.sql(`SELECT 1 FROM client_assertion_jtis WHERE jti = 'old'`)).toEqual([]);
  });
});
