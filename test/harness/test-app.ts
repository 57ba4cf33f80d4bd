import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createLiaisonApp } from '../../src/app.factory';
import type { Clock } from '../../src/platform/clock/clock';
import { LiaisonConfig, loadConfig } from '../../src/platform/config/config';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly config: LiaisonConfig;
  readonly database: TestDatabase;
  /** `http://127.0.0.1:<port>` of the running service. */
  readonly baseUrl: string;
  /** A superuser connection to this file's database, for arranging data and checking rows. */
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A port nothing listens on right now (the kernel's choice). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * Boots the real service (Fastify on a free loopback port) on a database of its own.
 * `env` takes the same variables as production (DESIGN.md); PORT and MLLP_PORT default to 0.
 */
export async function bootTestApp(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'liaison-app-'));
  // The port is chosen before the config is made, so LIAISON_BASE_URL (token `aud`, FHIR links)
  // is the address the tests really call.
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    {
      PORT: String(port),
      MLLP_PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LIAISON_DATA_DIR: dataDir,
      LIAISON_BASE_URL: baseUrl,
      // Schedules run only when a test starts them (or calls their runOnce).
      LIAISON_SWEEP_INTERVAL_SECONDS: '0',
      ...env,
    },
    process.cwd(),
  );
  const app = await createLiaisonApp(config, database.url, options);
  await app.listen({ port, host: '127.0.0.1' });
  const admin = new Client({ connectionString: database.url });
  await admin.connect();
  return {
    app,
    config,
    database,
    baseUrl,
    async sql(text, params) {
      return (await admin.query(text, params)).rows;
    },
    async close() {
      await admin.end();
      await app.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
