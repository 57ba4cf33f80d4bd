import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService, childEnv, Spawned } from './compiled-service';

/**
 * A wrong configuration value stops the compiled service before it starts anything, with
 * exactly one line on stderr that names the variable (DESIGN.md: Configuration).
 */
describe('start-up with a bad configuration', () => {
  let dataDir: string;
  const started: Spawned[] = [];

  beforeAll(async () => {
    await buildService();
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-config-'));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(started.map((process) => process.kill()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it.each<{ variables: Record<string, string>; names: string }>([
    { variables: { PORT: 'abc' }, names: 'PORT' },
    { variables: { PORT: '70000' }, names: 'PORT' },
    { variables: { MLLP_PORT: '-1' }, names: 'MLLP_PORT' },
    { variables: { DATABASE_URL: 'mysql://x' }, names: 'DATABASE_URL' },
    { variables: { LIAISON_BASE_URL: 'ftp://example.org' }, names: 'LIAISON_BASE_URL' },
    { variables: { LIAISON_MLLP_FACILITIES: 'bad' }, names: 'LIAISON_MLLP_FACILITIES' },
    { variables: { LIAISON_MLLP_FACILITIES: 'A=one,A=two' }, names: 'LIAISON_MLLP_FACILITIES' },
    { variables: { LIAISON_WEBHOOK_ALLOWLIST: '10.0.0.0/99' }, names: 'LIAISON_WEBHOOK_ALLOWLIST' },
    { variables: { LOG_LEVEL: 'loud' }, names: 'LOG_LEVEL' },
    { variables: { LIAISON_ADMIN_CLIENT_ID: 'admin' }, names: 'LIAISON_ADMIN_CLIENT_SECRET' },
    { variables: { LIAISON_ADMIN_CLIENT_SECRET: 'a-long-enough-secret-value' }, names: 'LIAISON_ADMIN_CLIENT_ID' },
    { variables: { LIAISON_ADMIN_CLIENT_ID: 'admin', LIAISON_ADMIN_CLIENT_SECRET: 'short' }, names: 'LIAISON_ADMIN_CLIENT_SECRET' },
  ])('$variables stops with one line naming $names', async ({ variables, names }) => {
    const service = new Spawned('dist/src/main.js', childEnv({ LIAISON_DATA_DIR: dataDir, HOST: '127.0.0.1', ...variables }));
    started.push(service);
    const exit = await service.exited;

    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const lines = exit.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: /);
    expect(lines[0]).toMatch(new RegExp(`\\b${names}\\b`));
    expect(exit.stdout).toBe('');
  });

  it('starts nothing before refusing: the data folder stays empty', async () => {
    expect(await readdir(dataDir)).toEqual([]);
  });
});
