import type { LiaisonConfig } from '../config/config';
import { OwnedDatabase, startEmbeddedPostgres } from './embedded-postgres';

/** `DATABASE_URL` when given (nothing to stop), otherwise the embedded PostgreSQL. */
export async function startDatabase(config: LiaisonConfig): Promise<OwnedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => undefined };
  return startEmbeddedPostgres(config.dataDir, {
    info: (message) => process.stderr.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: message })}\n`),
    error: (message) => process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), msg: message })}\n`),
  });
}
