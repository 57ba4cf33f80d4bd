import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { BenchClient } from './scenario';

export interface ServiceOptions {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly client: BenchClient;
  readonly logLevel: string;
}

/** The service under test, running as its own process (`node dist/src/main.js`). */
export interface RunningService {
  readonly baseUrl: string;
  readonly mllpPort: number;
  readonly pid: number;
  /** Milliseconds from spawn to `/health/ready` answering 200. */
  readonly readyAfterMs: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function waitReady(baseUrl: string, child: ChildProcess, stderrTail: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the service exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${stderrTail()}`);
    }
    const status = await fetch(new URL('/health/ready', baseUrl)).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the service was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${stderrTail()}`);
}

/**
 * Starts the compiled service on the given database, the way production runs it, and waits
 * until `/health/ready` answers 200. Its request logs go to /dev/null; the last lines of
 * stderr are kept for the error message if it fails to start.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const [port, mllpPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      MLLP_PORT: String(mllpPort),
      DATABASE_URL: options.databaseUrl,
      LIAISON_DATA_DIR: options.dataDir,
      LIAISON_ADMIN_CLIENT_ID: options.client.clientId,
      LIAISON_ADMIN_CLIENT_SECRET: options.client.secret,
      LIAISON_TOKEN_TTL_SECONDS: '3600',
      // Webhook scenarios deliver to a receiver on loopback.
      LIAISON_WEBHOOK_ALLOWLIST: '127.0.0.1',
      LOG_LEVEL: options.logLevel,
    },
  });
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    tail.push(...chunk.split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = exited(child);
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await done;
    clearTimeout(timer);
  };
  try {
    await waitReady(baseUrl, child, () => tail.join('\n'));
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, mllpPort, pid: child.pid ?? 0, readyAfterMs: Date.now() - started, stop };
}
