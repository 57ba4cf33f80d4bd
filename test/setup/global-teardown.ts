import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import { ADMIN_URL_VAR, CLUSTER_DIR_VAR, TEMPLATE_VAR } from './test-cluster';

export default async function globalTeardown(): Promise<void> {
  const cluster = globalThis.liaisonTestCluster;
  if (cluster) {
    await cluster.stop();
    const dir = process.env[CLUSTER_DIR_VAR];
    if (dir) await rm(dir, { recursive: true, force: true });
    return;
  }
  // An external server: drop what this run created.
  const admin = new Client({ connectionString: process.env[ADMIN_URL_VAR] });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
    [process.env[TEMPLATE_VAR], `${process.env[TEMPLATE_VAR]}_%`],
  );
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
}
