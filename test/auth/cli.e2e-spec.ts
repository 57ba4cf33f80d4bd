import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService, CliRun, runCli } from '../platform/compiled-service';
import { bootTestApp, TestApp } from '../harness/test-app';
import { assertionForm, basic, clientAssertion, keyPair, requestToken } from './token-client';

/** `npm run liaison -- …` (what it maps to: node dist/src/cli.js …), on the test's database. */
describe('the liaison CLI', () => {
  let service: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    await buildService();
    service = await bootTestApp();
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-cli-'));
  }, 180_000);
  afterAll(async () => {
    await service?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<CliRun> => runCli(service.database.url, dataDir, args);

  function expectOneLineError(run: CliRun, code: number, message: RegExp): void {
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: '' });
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  }

  it('creates a tenant, and refuses the same id twice', async () => {
    const created = await cli('tenants:create', '--id', 'acme', '--name', 'Acme Health');
    expect(created).toMatchObject({ code: 0, stdout: 'created tenant acme (Acme Health)\n' });
    expect(await service.sql(`SELECT name FROM tenants WHERE id = 'acme'`)).toEqual([{ name: 'Acme Health' }]);
    expectOneLineError(await cli('tenants:create', '--id', 'acme', '--name', 'Again'), 1, /tenant "acme" already exists/);
  });

  it('creates a client, prints its secret once, and the secret gets a token', async () => {
    await cli('tenants:create', '--id', 'beta', '--name', 'Beta');
    const run = await cli('clients:create', '--tenant', 'beta', '--scopes', 'system/*.rs system/Task.cruds', '--name', 'EHR feed');
    expect(run.code).toBe(0);
    const clientId = /client_id:\s+(\S+)/.exec(run.stdout)![1];
    const secret = /client_secret:\s+(\S+)/.exec(run.stdout)![1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    const answer = await requestToken(service, { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(clientId, secret) } });
    expect(answer.status).toBe(200);
    expect(answer.body.scope).toBe('system/*.rs system/Task.cruds');
    const [row] = await service.sql('SELECT tenant_id, name, secret_hash FROM api_clients WHERE client_id = $1', [clientId]);
    expect(row).toMatchObject({ tenant_id: 'beta', name: 'EHR feed' });
    expect(row.secret_hash).not.toContain(secret);

    const listed = await cli('clients:list', '--tenant', 'beta');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(clientId);
    expect(listed.stdout).toContain('EHR feed');
    expect(listed.stdout).toContain('system/*.rs system/Task.cruds');
    expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).not.toContain('scrypt');
  });

  it('takes a chosen id, and JSON output', async () => {
    await cli('tenants:create', '--id', 'gamma', '--name', 'Gamma');
    const run = await cli('clients:create', '--tenant', 'gamma', '--scopes', 'system/Patient.read', '--id', 'gamma-ehr', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      client_id: 'gamma-ehr',
      client_secret: expect.any(String),
      tenant: 'gamma',
      scopes: ['system/Patient.read'],
    });
    const listed = JSON.parse((await cli('clients:list', '--tenant', 'gamma', '--json')).stdout);
    expect(listed).toEqual([
      { client_id: 'gamma-ehr', name: 'gamma-ehr', scopes: ['system/Patient.read'], active: true, authentication: ['secret'] },
    ]);
    expectOneLineError(await cli('clients:create', '--tenant', 'gamma', '--scopes', 'system/*.rs', '--id', 'gamma-ehr'), 1, /client "gamma-ehr" already exists/);
  });

  it('registers a JWKS-only client for private_key_jwt', async () => {
    await cli('tenants:create', '--id', 'delta', '--name', 'Delta');
    const key = await keyPair('ES384', 'delta-1');
    const jwksFile = join(dataDir, 'delta-jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
    const run = await cli('clients:create', '--tenant', 'delta', '--scopes', 'system/*.rs', '--jwks-file', jwksFile, '--no-secret', '--json');
    expect(run.code).toBe(0);
    const created = JSON.parse(run.stdout) as { client_id: string; client_secret?: string };
    expect(created.client_secret).toBeUndefined();
    const answer = await requestToken(service, { form: assertionForm(await clientAssertion(service, created.client_id, key)) });
    expect(answer.status).toBe(200);
  });

  it('refuses a JWKS with a private key', async () => {
    const key = await keyPair('ES384', 'leaky');
    const jwksFile = join(dataDir, 'leaky-jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: [{ ...key.publicJwk, d: 'secret-part' }] }));
    expectOneLineError(await cli('clients:create', '--tenant', 'default', '--scopes', 'system/*.rs', '--jwks-file', jwksFile), 1, /private key members/);
  });

  it('disables a client: it gets no more tokens', async () => {
    const created = JSON.parse((await cli('clients:create', '--tenant', 'default', '--scopes', 'system/*.rs', '--json')).stdout) as {
      client_id: string;
      client_secret: string;
    };
    const before = await requestToken(service, { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(created.client_id, created.client_secret) } });
    expect(before.status).toBe(200);
    expect(await cli('clients:disable', '--id', created.client_id)).toMatchObject({ code: 0, stdout: `disabled client ${created.client_id}\n` });
    const after = await requestToken(service, { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(created.client_id, created.client_secret) } });
    expect({ status: after.status, error: after.body.error }).toEqual({ status: 400, error: 'unauthorized_client' });
  });

  it.each<[string, string[], number, RegExp]>([
    ['an unknown tenant', ['clients:create', '--tenant', 'nope', '--scopes', 'system/*.rs'], 1, /^error: tenant "nope" does not exist$/m],
    ['an unknown tenant to list', ['clients:list', '--tenant', 'nope'], 1, /tenant "nope" does not exist/],
    ['bad scope syntax', ['clients:create', '--tenant', 'default', '--scopes', 'system/Task.sr'], 2, /"system\/Task\.sr" is not a SMART scope/],
    ['a non-SMART scope', ['clients:create', '--tenant', 'default', '--scopes', 'openid'], 2, /"openid" is not a SMART scope/],
    ['a bad tenant id', ['tenants:create', '--id', 'Not Valid', '--name', 'x'], 2, /is not a tenant id/],
    ['a missing option', ['clients:create', '--tenant', 'default'], 2, /clients:create needs --scopes/],
    ['an unknown option', ['clients:list', '--tenant', 'default', '--colour', 'red'], 2, /no option --colour/],
    ['an unknown command', ['clients:delete', '--id', 'x'], 2, /unknown command "clients:delete"/],
    ['--no-secret without keys', ['clients:create', '--tenant', 'default', '--scopes', 'system/*.rs', '--no-secret'], 2, /--no-secret needs --jwks-file/],
    ['an unreadable JWKS file', ['clients:create', '--tenant', 'default', '--scopes', 'system/*.rs', '--jwks-file', 'missing.json'], 2, /cannot be read/],
    ['disabling an unknown client', ['clients:disable', '--id', 'nobody'], 1, /client "nobody" does not exist/],
  ])('fails with one clear line for %s', async (_case, args, code, message) => {
    expectOneLineError(await cli(...args), code, message);
  });

  it('prints usage for --help', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/clients:create/);
    expect(run.stdout).toMatch(/tenants:create/);
  });
});
