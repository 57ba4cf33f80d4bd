/**
 * Data source for the TypeORM CLI (`npm run migration:generate|run|revert`): the database the
 * service would use, `DATABASE_URL` or the embedded one under LIAISON_DATA_DIR.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { configFromProcessOrExit } from '../config/process-config';
import { dataSourceOptions } from './data-source-options';
import { startEmbeddedPostgres } from './embedded-postgres';

async function cliDataSource(): Promise<DataSource> {
  const config = configFromProcessOrExit();
  if (config.databaseUrl) return new DataSource(dataSourceOptions(config.databaseUrl, { applicationName: 'liaison-cli' }));
  const owned = await startEmbeddedPostgres(config.dataDir, {
    info: (message) => process.stderr.write(`${message}\n`),
    error: (message) => process.stderr.write(`${message}\n`),
  });
  process.once('exit', () => void owned.stop());
  return new DataSource(dataSourceOptions(owned.url, { applicationName: 'liaison-cli' }));
}

export const dataSource = cliDataSource();
