import { ConfigError, LiaisonConfig, loadConfig } from './config';

/**
 * The one place that reads `process.env`. A bad value prints one line naming the variable and
 * stops the process, before anything has started.
 */
export function configFromProcessOrExit(): LiaisonConfig {
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
