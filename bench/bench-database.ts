import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/platform/database/embedded-postgres';

/** A database of the benchmark's own, dropped afterwards. */
export interface BenchDatabase {
  readonly url: string;
  readonly kind: 'embedded' | 'external';
  drop(): Promise<void>;
}

/** Room for the service's pool, the floor's clients and the harness, at any BENCH_CONNECTIONS. */
function serverSettings(connections: number): Record<string, string> {
  return { max_connections: String(Math.max(100, 2 * connections + 60)) };
}

/**
 * `externalUrl` set: a new database on that server. Otherwise a throwaway embedded
 * PostgreSQL in a temporary folder, with production settings (durable commits).
 */
export async function freshBenchDatabase(
  externalUrl: string | undefined,
  connections: number,
  note: (message: string) => void,
): Promise<BenchDatabase> {
  if (externalUrl) {
    const name = `liaison_bench_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: externalUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(externalUrl);
    url.pathname = `/${name}`;
    note(`database: ${name} on the server DATABASE_URL names`);
    return {
      url: url.toString(),
      kind: 'external',
      async drop() {
        const client = new Client({ connectionString: externalUrl });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'liaison-bench-pg-'));
  await chmod(dir, 0o755); // as root, initdb runs as `postgres` and must enter the folder
  note(`database: a new embedded PostgreSQL in ${dir}`);
  try {
    const owned = await startEmbeddedPostgres(
      dir,
      { info: () => undefined, error: (message) => note(message) },
      { extraServerSettings: serverSettings(connections) },
    );
    return {
      url: owned.url,
      kind: 'embedded',
      async drop() {
        await owned.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
