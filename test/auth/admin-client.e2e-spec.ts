import { decodeJwt } from 'jose';
import { ApiClientsService } from '../../src/auth/api-clients.service';
import { bootTestApp, TestApp } from '../harness/test-app';
import { basic, requestToken } from './token-client';

const ADMIN_ID = 'liaison-admin';
const ADMIN_SECRET = 'correct-horse-battery-staple';

describe('the admin client (LIAISON_ADMIN_CLIENT_ID/_SECRET)', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await bootTestApp({ LIAISON_ADMIN_CLIENT_ID: ADMIN_ID, LIAISON_ADMIN_CLIENT_SECRET: ADMIN_SECRET });
  });
  afterAll(() => service.close());

  async function adminToken(secret: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return requestToken(service, { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(ADMIN_ID, secret) } });
  }

  it('exists at start-up with every scope in the default tenant', async () => {
    const answer = await adminToken(ADMIN_SECRET);
    expect(answer.status).toBe(200);
    expect(answer.body.scope).toBe('system/*.*');
    expect(decodeJwt(answer.body.access_token as string)).toMatchObject({ sub: ADMIN_ID, tenant: 'default', scope: 'system/*.*' });
    const rows = await service.sql('SELECT tenant_id, scopes, active, secret_hash FROM api_clients WHERE client_id = $1', [ADMIN_ID]);
    expect(rows).toEqual([{ tenant_id: 'default', scopes: ['system/*.*'], active: true, secret_hash: expect.stringMatching(/^scrypt\$/) }]);
    expect(rows[0].secret_hash).not.toContain(ADMIN_SECRET);
  });

  it('is reset on every start: re-enabled, all scopes, the configured secret (concurrent starts agree)', async () => {
    await service.sql(`UPDATE api_clients SET active = false, scopes = '{system/Task.r}' WHERE client_id = $1`, [ADMIN_ID]);
    expect((await adminToken(ADMIN_SECRET)).status).toBe(400);
    const clients = service.app.get(ApiClientsService);
    const rotated = 'a-new-secret-of-enough-length';
    await Promise.all([
      clients.ensureAdmin({ clientId: ADMIN_ID, clientSecret: rotated }),
      clients.ensureAdmin({ clientId: ADMIN_ID, clientSecret: rotated }),
      clients.ensureAdmin({ clientId: ADMIN_ID, clientSecret: rotated }),
    ]);
    expect(await service.sql('SELECT active, scopes FROM api_clients WHERE client_id = $1', [ADMIN_ID])).toEqual([
      { active: true, scopes: ['system/*.*'] },
    ]);
    expect((await adminToken(rotated)).status).toBe(200);
    expect((await adminToken(ADMIN_SECRET)).status).toBe(401);
  });
});

describe('without admin variables', () => {
  it('creates no client', async () => {
    const service = await bootTestApp();
    try {
      expect(await service.sql('SELECT client_id FROM api_clients')).toEqual([]);
    } finally {
      await service.close();
    }
  });
});
