import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { inTenant } from '../../src/platform/database/tenant-scope';
import { createTestClient, issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';

/** Row-level security keeps tenants apart even when a query forgets its tenant filter. */
describe('tenant isolation (PostgreSQL row-level security)', () => {
  let service: TestApp;
  let db: DataSource;
  let clientA: string;
  let clientB: string;

  beforeAll(async () => {
    service = await bootTestApp();
    db = service.app.get<DataSource>(getDataSourceToken());
    ({ clientId: clientA } = await createTestClient(service, { tenant: 'tenant-a', scopes: ['system/*.rs'] }));
    await createTestClient(service, { tenant: 'tenant-a', scopes: ['system/Task.r'] });
    ({ clientId: clientB } = await createTestClient(service, { tenant: 'tenant-b', scopes: ['system/*.rs'] }));
    await service.sql(
      `INSERT INTO client_assertion_jtis (client_id, jti, tenant_id, expires_at) VALUES ($1, 'a-jti', 'tenant-a', now() + interval '1 hour'), ($2, 'b-jti', 'tenant-b', now() + interval '1 hour')`,
      [clientA, clientB],
    );
  });
  afterAll(() => service.close());

  it('shows a query without a tenant filter only its own tenant rows', async () => {
    const rows: { client_id: string; tenant_id: string }[] = await inTenant(db, 'tenant-a', (tx) => tx.query('SELECT * FROM api_clients'));
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.tenant_id)).toEqual(['tenant-a', 'tenant-a']);
    expect(rows.map((r) => r.client_id)).toContain(clientA);
    // the superuser sees all three: the filter above came from the policy, not from an empty table
    expect(await service.sql('SELECT count(*)::int AS n FROM api_clients')).toEqual([{ n: 3 }]);
  });

  it('applies to every tenant-owned table, tenants included', async () => {
    const jtis: { jti: string }[] = await inTenant(db, 'tenant-b', (tx) => tx.query('SELECT jti FROM client_assertion_jtis'));
    expect(jtis).toEqual([{ jti: 'b-jti' }]);
    const tenants: { id: string }[] = await inTenant(db, 'tenant-b', (tx) => tx.query('SELECT id FROM tenants'));
    expect(tenants).toEqual([{ id: 'tenant-b' }]);
  });

  it('shows a tenant that has no rows nothing at all', async () => {
    const rows: unknown[] = await inTenant(db, 'tenant-nobody', (tx) => tx.query('SELECT * FROM api_clients'));
    expect(rows).toEqual([]);
  });

  it("refuses to insert a row with another tenant's id", async () => {
    await expect(
      inTenant(db, 'tenant-a', (tx) =>
        tx.query(`INSERT INTO api_clients (client_id, tenant_id, name, scopes) VALUES ('smuggled', 'tenant-b', 'x', '{system/*.*}')`),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(await service.sql(`SELECT 1 FROM api_clients WHERE client_id = 'smuggled'`)).toEqual([]);
  });

  it("cannot move its own row into another tenant", async () => {
    await expect(
      inTenant(db, 'tenant-a', (tx) => tx.query(`UPDATE api_clients SET tenant_id = 'tenant-b' WHERE client_id = $1`, [clientA])),
    ).rejects.toThrow(/row-level security/);
  });

  it("cannot change or delete another tenant's rows, even unfiltered", async () => {
    await inTenant(db, 'tenant-a', async (tx) => {
      await tx.query(`UPDATE api_clients SET name = 'renamed by a'`);
      await tx.query(`DELETE FROM client_assertion_jtis`);
    });
    expect(await service.sql('SELECT name FROM api_clients WHERE client_id = $1', [clientB])).not.toEqual([{ name: 'renamed by a' }]);
    expect(await service.sql('SELECT jti FROM client_assertion_jtis ORDER BY jti')).toEqual([{ jti: 'b-jti' }]);
    expect(await service.sql(`SELECT count(*)::int AS n FROM api_clients WHERE name = 'renamed by a'`)).toEqual([{ n: 2 }]);
  });

  it('runs tenant work as the liaison_tenant role, with the tenant set for that transaction only', async () => {
    const [inside]: { role: string; tenant: string }[] = await inTenant(db, 'tenant-a', (tx) =>
      tx.query(`SELECT current_user AS role, current_setting('app.tenant_id') AS tenant`),
    );
    expect(inside).toEqual({ role: 'liaison_tenant', tenant: 'tenant-a' });
    const [after]: { tenant: string | null }[] = await db.query(`SELECT current_setting('app.tenant_id', true) AS tenant`);
    expect(after.tenant ?? '').toBe('');
  });

  it('takes a tenant id as data, never as SQL, and rolls back with the work', async () => {
    const hostile = "tenant-a', true); DROP TABLE api_clients; --";
    const [seen]: { tenant: string }[] = await inTenant(db, hostile, (tx) =>
      tx.query(`SELECT current_setting('app.tenant_id') AS tenant`),
    );
    expect(seen.tenant).toBe(hostile);
    expect(await inTenant(db, hostile, (tx) => tx.query('SELECT * FROM api_clients'))).toEqual([]);
    await expect(
      inTenant(db, 'tenant-a', async (tx) => {
        await tx.query(`UPDATE api_clients SET name = 'renamed' WHERE client_id = $1`, [clientA]);
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    const [row] = await service.sql('SELECT name FROM api_clients WHERE client_id = $1', [clientA]);
    expect(row.name).not.toBe('renamed');
  });

  it("puts the client's tenant in its tokens", async () => {
    const issued = await issueToken(service, { tenant: 'tenant-b', scopes: ['system/*.rs'] });
    const response = await fetch(`${service.baseUrl}/oauth2/whoami`, { headers: { authorization: `Bearer ${issued.accessToken}` } });
    expect(await response.json()).toMatchObject({ client_id: issued.clientId, tenant: 'tenant-b' });
  });
});
