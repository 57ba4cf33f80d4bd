import 'reflect-metadata';
import { createLiaisonApp } from './app.factory';
import { configFromProcessOrExit } from './platform/config/process-config';
import { startDatabase } from './platform/database/start-database';

async function main(): Promise<void> {
  const config = configFromProcessOrExit();
  const database = await startDatabase(config);
  let app;
  try {
    app = await createLiaisonApp(config, database.url);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.stop();
    throw error;
  }
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: `received ${signal}, stopping` })}\n`);
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Liaison did not start: ${message}\n`);
  process.exit(1);
});
