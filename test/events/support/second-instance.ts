import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLiaisonApp } from '../../../src/app.factory';
import { loadConfig } from '../../../src/platform/config/config';
import { freePort, TestApp } from '../../harness/test-app';

export interface Instance {
  readonly app: NestFastifyApplication;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Another instance of the service on the same database as `service` (its own port and data folder). */
export async function bootSecondInstance(service: TestApp, env: Record<string, string> = {}): Promise<Instance> {
  const dataDir = await mkdtemp(join(tmpdir(), 'liaison-app2-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    { PORT: String(port), MLLP_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', LIAISON_DATA_DIR: dataDir, LIAISON_BASE_URL: baseUrl, ...env },
    process.cwd(),
  );
  const app = await createLiaisonApp(config, service.database.url);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    baseUrl,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
