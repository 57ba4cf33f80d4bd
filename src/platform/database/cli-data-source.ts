/**
 * Data source for the TypeORM CLI (`npm run migration:generate|run|revert`): the database the
 * service would use, `DATABASE_URL` or the embedded one under LIAISON_DATA_DIR.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { configFromProcessOrExit } from '../config/process-config';
import { dataSourceOptions } from './data-source-options';
import { connectDatabase } from './connect-database';

async function cliDataSource(): Promise<DataSource> {
  const database = await connectDatabase(configFromProcessOrExit());
  process.once('exit', () => void database.stop());
  return new DataSource(dataSourceOptions(database.url, { applicationName: 'liaison-cli' }));
}

export const dataSource = cliDataSource();
