import type { LiaisonConfig } from '../config/config';
import { OwnedDatabase, runningEmbeddedUrl } from './embedded-postgres';
import { startDatabase } from './start-database';

/**
 * For command-line tools: `DATABASE_URL`; else the embedded PostgreSQL of a running service on
 * the same data folder; else an embedded one started for the duration of the command.
 */
export async function connectDatabase(config: LiaisonConfig): Promise<OwnedDatabase> {
  if (!config.databaseUrl) {
    const running = await runningEmbeddedUrl(config.dataDir);
    if (running) return { url: running, stop: async () => undefined };
  }
  return startDatabase(config);
}
