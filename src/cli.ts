import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { configFromProcessOrExit } from './platform/config/process-config';
import { connectDatabase } from './platform/database/connect-database';
import { dataSourceOptions } from './platform/database/data-source-options';
import { applyMigrations } from './platform/database/migrate';
import { parseArgs, UsageError } from './cli/args';
import { COMMANDS, describeCliError, usage } from './cli/commands';

/** Exit codes: 0 done, 1 the command failed, 2 bad arguments (EX_USAGE is 64; 2 is what shells expect). */
const FAILED = 1;
const BAD_USAGE = 2;

/**
 * `npm run liaison -- <command> [options]`: operator commands (tenants, API clients) against the
 * service's database: `DATABASE_URL`, the running service's embedded PostgreSQL, or one started
 * for the duration of the command.
 */
async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  let run;
  try {
    parsed = parseArgs(argv, (command) => COMMANDS[command]?.options);
    if (parsed.command === undefined || parsed.command === 'help') {
      process.stdout.write(`${usage()}\n`);
      return parsed.command === undefined ? BAD_USAGE : 0;
    }
    run = await COMMANDS[parsed.command].prepare(parsed.options, process.cwd());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message} (npm run liaison -- --help)\n`);
    return BAD_USAGE;
  }
  const config = configFromProcessOrExit();
  const database = await connectDatabase(config);
  const db = new DataSource(dataSourceOptions(database.url, { poolSize: 2, applicationName: 'liaison-cli' }));
  try {
    await db.initialize();
    await applyMigrations(db);
    await run({ db, out: (line) => process.stdout.write(`${line}\n`) });
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${describeCliError(error)}\n`);
    return FAILED;
  } finally {
    if (db.isInitialized) await db.destroy();
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${describeCliError(error)}\n`);
    process.exit(FAILED);
  },
);
