import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, LiaisonConfig, loadConfig } from './config';

/**
 * The one place that reads `process.env` (after `.env` in the working folder, if present; the
 * real environment wins). A bad value prints one line naming the variable and stops the
 * process, before anything has started.
 */
export function configFromProcessOrExit(): LiaisonConfig {
  const dotenv = join(process.cwd(), '.env');
  if (existsSync(dotenv)) process.loadEnvFile(dotenv);
  try {
    return loadConfig(process.env, process.cwd());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
