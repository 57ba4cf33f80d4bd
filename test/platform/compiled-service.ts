import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The repository root: these tests run the compiled service the way `npm start` does. */
export const ROOT = resolve(__dirname, '..', '..');
const LOCK = join(ROOT, 'dist', '.e2e-build.lock');
const STALE_LOCK_MS = 5 * 60_000;

/**
 * `nest build`, one test file at a time (a lock folder in dist/, because jest runs files in
 * parallel workers). Incremental: a second build with nothing changed takes a few seconds.
 */
export async function buildService(): Promise<void> {
  await mkdir(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (since > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      else await new Promise((done) => setTimeout(done, 250));
    }
  }
  try {
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`nest build failed:\n${stdout ?? ''}${stderr ?? ''}`);
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** The environment a child gets: nothing inherited but PATH and HOME, so the test decides every variable. */
export function childEnv(variables: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...variables };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child process of ours, with its output collected as it runs. */
export class Spawned {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  readonly startedAt = Date.now();

  constructor(script: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [join(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((done) =>
      this.child.once('close', (code, signal) => done({ code, signal, stdout: this.stdout, stderr: this.stderr })),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills it if it still runs (clean-up after a failed assertion). */
  async kill(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Polls `url` until it answers 200; fails early if `process` exits. Returns ms since `process` was spawned. */
export async function waitFor200(url: string, process: Spawned, timeoutMs: number): Promise<number> {
  while (Date.now() - process.startedAt < timeoutMs) {
    if (!process.running) throw new Error(`the service exited before ${url} answered 200:\n${process.stderr}`);
    const status = await fetch(url).then((response) => response.status, () => 0);
    if (status === 200) return Date.now() - process.startedAt;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${process.stderr}`);
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the compiled CLI (what `npm run liaison -- …` maps to) against `databaseUrl`, in
 * `dataDir` (also its LIAISON_DATA_DIR). Never rejects: the exit code is part of the answer.
 */
export function runCli(databaseUrl: string, dataDir: string, args: readonly string[]): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist', 'src', 'cli.js'), ...args],
      { cwd: dataDir, env: childEnv({ DATABASE_URL: databaseUrl, LIAISON_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }) },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
