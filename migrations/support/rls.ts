/**
 * Row-level security for tenant-owned tables. Tenant-scoped work runs as `liaison_tenant`
 * with `app.tenant_id` set per transaction (src/platform/database/tenant-scope.ts); every
 * table with a `tenant_id` gets this policy in the migration that creates it.
 */
export const TENANT_ROLE = 'liaison_tenant';

export function isolateTenantTableSql(table: string, column = 'tenant_id'): string[] {
  return [
    `ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`,
    `CREATE POLICY "${table}_tenant_isolation" ON "${table}" TO ${TENANT_ROLE}
       USING ("${column}" = current_setting('app.tenant_id', true))
       WITH CHECK ("${column}" = current_setting('app.tenant_id', true))`,
  ];
}

export function dropTenantIsolationSql(table: string): string[] {
  return [
    `DROP POLICY IF EXISTS "${table}_tenant_isolation" ON "${table}"`,
    `ALTER TABLE "${table}" DISABLE ROW LEVEL SECURITY`,
  ];
}
