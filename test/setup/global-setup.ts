import 'reflect-metadata';
import { mkdtemp, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/platform/database/data-source-options';
import { startEmbeddedPostgres, OwnedDatabase } from '../../src/platform/database/embedded-postgres';
import { applyMigrations } from '../../src/platform/database/migrate';
import { ADMIN_URL_VAR, CLUSTER_DIR_VAR, databaseUrl, TEMPLATE_VAR, THROWAWAY_SETTINGS } from './test-cluster';

declare global {
  var liaisonTestCluster: OwnedDatabase | undefined;
}

/**
 * One PostgreSQL for the whole run (embedded on tmpfs, or the server `DATABASE_URL` names),
 * and one migrated template database that every test file clones.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const dir = await mkdtemp(join(base, 'liaison-test-'));
    await chmod(dir, 0o755);
    const quiet = { info: () => undefined, error: (message: string) => process.stderr.write(`${message}\n`) };
    globalThis.liaisonTestCluster = await startEmbeddedPostgres(dir, quiet, { extraServerSettings: THROWAWAY_SETTINGS });
    adminUrl = globalThis.liaisonTestCluster.url;
    process.env[CLUSTER_DIR_VAR] = dir;
  }
  const template = `liaison_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const db = await new DataSource(dataSourceOptions(databaseUrl(adminUrl, template), { poolSize: 2 })).initialize();
  await applyMigrations(db);
  await db.destroy();
  process.env[ADMIN_URL_VAR] = adminUrl;
  process.env[TEMPLATE_VAR] = template;
}
