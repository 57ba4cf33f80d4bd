import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildService, childEnv, freePort, Spawned, waitFor200 } from './compiled-service';

/**
 * `npm start` without DATABASE_URL, as a user runs it: the compiled service with its embedded
 * PostgreSQL under LIAISON_DATA_DIR (issue 2: ready in under 30 s on the first start and
 * under 10 s later; Ctrl-C leaves no PostgreSQL behind; data is kept; one instance per folder).
 */
describe('start-up with the embedded database', () => {
  let dataDir: string;
  const spawned: Spawned[] = [];
  const timings: string[] = [];

  async function startService(): Promise<{ service: Spawned; baseUrl: string; readyMs: number }> {
    const port = await freePort();
    const service = new Spawned(
      'dist/src/main.js',
      childEnv({ LIAISON_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', MLLP_PORT: '0', LOG_LEVEL: 'warn' }),
    );
    spawned.push(service);
    const baseUrl = `http://127.0.0.1:${port}`;
    const readyMs = await waitFor200(`${baseUrl}/health/ready`, service, 60_000);
    return { service, baseUrl, readyMs };
  }

  /** The embedded PostgreSQL's pid and port, from its `postmaster.pid` (lines 1 and 4). */
  async function postmaster(): Promise<{ pid: number; port: number } | undefined> {
    const text = await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => undefined);
    if (!text) return undefined;
    const lines = text.split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]) };
  }

  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
    // A zombie (exited, not yet reaped by whoever adopted it) is not a running server.
    return !/^\d+ \(.*\) Z /.test(readProcStat(pid));
  }

  function readProcStat(pid: number): string {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return '';
    }
  }

  async function embeddedClient(): Promise<Client> {
    const running = await postmaster();
    if (!running) throw new Error('no postmaster.pid: the embedded PostgreSQL is not running');
    const password = (await readFile(join(dataDir, 'postgres-password'), 'utf8')).trim();
    const client = new Client({ host: '127.0.0.1', port: running.port, user: 'postgres', password, database: 'liaison' });
    await client.connect();
    return client;
  }

  async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
    for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
      if (!alive(pid)) return true;
      await new Promise((done) => setTimeout(done, 50));
    }
    return !alive(pid);
  }

  beforeAll(async () => {
    await buildService();
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-startup-'));
    await chmod(dataDir, 0o755);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(spawned.map((service) => service.kill()));
    if (!dataDir) return;
    const orphan = await postmaster();
    if (orphan && alive(orphan.pid)) {
      process.kill(orphan.pid, 'SIGINT');
      await waitUntilGone(orphan.pid, 10_000);
    }
    await rm(dataDir, { recursive: true, force: true });
    if (timings.length) process.stderr.write(`embedded start-up: ${timings.join(', ')}\n`);
  }, 30_000);

  let first: Awaited<ReturnType<typeof startService>>;
  let again: Awaited<ReturnType<typeof startService>>;

  it('initialises the database on the first start and is ready in under 30 s', async () => {
    first = await startService();
    timings.push(`first start ${first.readyMs} ms`);
    expect(first.readyMs).toBeLessThan(30_000);
    expect((await stat(join(dataDir, 'postgres', 'PG_VERSION'))).isFile()).toBe(true);
  }, 60_000);

  it('refuses a second instance on the same data folder, naming LIAISON_DATA_DIR, and leaves the first running', async () => {
    const second = new Spawned(
      'dist/src/main.js',
      childEnv({ LIAISON_DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1', MLLP_PORT: '0', LOG_LEVEL: 'warn' }),
    );
    spawned.push(second);
    const exit = await second.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toMatch(/LIAISON_DATA_DIR/);
    expect(exit.stderr).toContain(dataDir);
    expect((await fetch(`${first.baseUrl}/health/ready`)).status).toBe(200);
  }, 30_000);

  it('stops on SIGINT with exit 0, leaving no PostgreSQL process behind', async () => {
    const client = await embeddedClient();
    try {
      await client.query(`INSERT INTO tenants (id, name) VALUES ('kept-across-restarts', 'Persistence check')`);
    } finally {
      await client.end();
    }
    const postgres = await postmaster();
    expect(postgres).toBeDefined();
    expect(alive(postgres!.pid)).toBe(true);

    first.service.child.kill('SIGINT');
    const exit = await first.service.exited;

    expect(exit.code).toBe(0);
    expect(await postmaster()).toBeUndefined();
    expect(alive(postgres!.pid)).toBe(false);
  }, 30_000);

  it('starts again in under 10 s with the data kept', async () => {
    again = await startService();
    timings.push(`second start ${again.readyMs} ms`);
    expect(again.readyMs).toBeLessThan(10_000);
    const client = await embeddedClient();
    try {
      const { rows } = await client.query(`SELECT name FROM tenants WHERE id = 'kept-across-restarts'`);
      expect(rows).toEqual([{ name: 'Persistence check' }]);
    } finally {
      await client.end();
    }
  }, 30_000);

  it('after a SIGKILL, the next start stops the orphaned PostgreSQL and starts fine', async () => {
    const orphan = await postmaster();
    expect(orphan).toBeDefined();

    again.service.child.kill('SIGKILL');
    await again.service.exited;
    expect(alive(orphan!.pid)).toBe(true); // the killed service could not stop it

    const next = await startService();
    timings.push(`start after SIGKILL ${next.readyMs} ms`);
    expect(alive(orphan!.pid)).toBe(false);
    const now = await postmaster();
    expect(now?.pid).not.toBe(orphan!.pid);
    const client = await embeddedClient();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM tenants WHERE id = 'kept-across-restarts'`);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }

    next.service.child.kill('SIGINT');
    expect((await next.service.exited).code).toBe(0);
    expect(await postmaster()).toBeUndefined();
    expect(alive(now!.pid)).toBe(false);
  }, 60_000);
});
