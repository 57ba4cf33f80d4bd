import { MigrationInterface, QueryRunner } from 'typeorm';

import { dropTenantIsolationSql, isolateTenantTableSql, TENANT_ROLE } from './support/rls';

/** The role row-level security applies to, its grants, and the policies of the first tables. */
export class TenantIsolation1795517946300 implements MigrationInterface {
  name = 'TenantIsolation1795517946300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${TENANT_ROLE}') THEN
          CREATE ROLE ${TENANT_ROLE} NOLOGIN;
        END IF;
      END $$`);
    // The service's own login must be able to SET ROLE to it (a no-op for superusers).
    await queryRunner.query(`
      DO $$ BEGIN
        IF NOT pg_has_role(current_user, '${TENANT_ROLE}', 'MEMBER') THEN
          EXECUTE format('GRANT ${TENANT_ROLE} TO %I', current_user);
        END IF;
      END $$`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${TENANT_ROLE}`);
    await queryRunner.query(`GRANT SELECT ON "tenants" TO ${TENANT_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "api_clients", "client_assertion_jtis" TO ${TENANT_ROLE}`);
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${TENANT_ROLE}`,
    );
    await queryRunner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${TENANT_ROLE}`);
    for (const sql of [
      ...isolateTenantTableSql('tenants', 'id'),
      ...isolateTenantTableSql('api_clients'),
      ...isolateTenantTableSql('client_assertion_jtis'),
    ]) {
      await queryRunner.query(sql);
    }
    await queryRunner.query(`INSERT INTO "tenants" ("id", "name") VALUES ('default', 'Default tenant') ON CONFLICT DO NOTHING`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['client_assertion_jtis', 'api_clients', 'tenants']) {
      for (const sql of dropTenantIsolationSql(table)) await queryRunner.query(sql);
    }
    await queryRunner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM ${TENANT_ROLE}`);
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ${TENANT_ROLE}`,
    );
    await queryRunner.query(`REVOKE ALL ON "tenants", "api_clients", "client_assertion_jtis" FROM ${TENANT_ROLE}`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${TENANT_ROLE}`);
  }
}
