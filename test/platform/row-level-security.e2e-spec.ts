import { createTestDatabase, TestDatabase } from '../harness/test-database';
import { Client } from 'pg';

/**
 * A guard for every future migration: a table that holds tenant rows must be under row-level
 * security with a policy for the tenant role, or a forgotten filter could cross tenants.
 */
describe('row-level security covers every tenant-owned table', () => {
  let database: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('has RLS enabled and a liaison_tenant policy on each table with a tenant column', async () => {
    const { rows } = await client.query<{ table_name: string; rls: boolean; policies: number }>(`
      SELECT c.relname AS table_name, c.relrowsecurity AS rls,
             (SELECT count(*)::int FROM pg_policy p
               WHERE p.polrelid = c.oid AND 'liaison_tenant'::regrole = ANY (p.polroles)) AS policies
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       WHERE c.relkind IN ('r', 'p')
         AND (c.relname = 'tenants'
              OR EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
       ORDER BY 1`);
    expect(rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(['api_clients', 'tenants']));
    const unprotected = rows.filter((row) => !row.rls || row.policies === 0).map((row) => row.table_name);
    expect(unprotected).toEqual([]);
  });

  it('gives the tenant role nothing on tables it has no policy for', async () => {
    const { rows } = await client.query<{ table_name: string }>(`
      SELECT c.relname AS table_name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       WHERE c.relkind = 'r' AND NOT c.relrowsecurity
         AND has_table_privilege('liaison_tenant', c.oid, 'SELECT')`);
    expect(rows).toEqual([]);
  });
});
