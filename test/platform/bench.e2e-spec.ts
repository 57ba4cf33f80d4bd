import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService, childEnv, Spawned } from './compiled-service';

/**
 * The benchmark harness itself (`npm run bench`, DESIGN.md §3), on its cheapest scenario:
 * it boots the service on a fresh embedded database, measures the service and the bare-pg
 * floor, prints the table, writes the JSON, and cleans up after itself.
 */
describe('benchmark harness', () => {
  let scratch: string;
  const spawned: Spawned[] = [];

  beforeAll(async () => {
    await buildService();
    scratch = await mkdtemp(join(tmpdir(), 'liaison-bench-test-'));
    await chmod(scratch, 0o755);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(spawned.map((child) => child.kill()));
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('measures a scenario next to its floor, writes the results and leaves nothing behind', async () => {
    const tmp = join(scratch, 'tmp');
    await mkdir(tmp, { mode: 0o755 });
    await chmod(tmp, 0o755);
    const output = join(scratch, 'results.json');
    const bench = new Spawned(
      'dist/bench/run.js',
      childEnv({
        TMPDIR: tmp,
        BENCH_SCENARIOS: 'health-live',
        BENCH_SECONDS: '1',
        BENCH_WARMUP_SECONDS: '0',
        BENCH_CONNECTIONS: '4',
        BENCH_OUTPUT: output,
      }),
    );
    spawned.push(bench);
    const exit = await bench.exited;

    expect({ code: exit.code, stderr: exit.stderr }).toMatchObject({ code: 0 });
    const results = JSON.parse(await readFile(output, 'utf8'));
    expect(results.settings).toEqual({ seconds: 1, warmupSeconds: 0, connections: 4, logLevel: 'info' });
    expect(results.database).toBe('embedded');
    expect(results.scenarios).toHaveLength(1);
    const [scenario] = results.scenarios;
    expect(scenario).toMatchObject({ name: 'health-live', status: 'ok' });
    for (const side of [scenario.service, scenario.floor]) {
      expect(side.requests).toBeGreaterThan(0);
      expect(side.errors).toBe(0);
      expect(side.requestsPerSecond).toBeGreaterThan(0);
      expect(side.p50Ms).toBeGreaterThan(0);
      expect(side.p99Ms).toBeGreaterThanOrEqual(side.p50Ms);
    }
    expect(scenario.ratio.throughput).toBeCloseTo(scenario.service.requestsPerSecond / scenario.floor.requestsPerSecond, 6);
    expect(scenario.ratio.p99).toBeCloseTo(scenario.service.p99Ms / scenario.floor.p99Ms, 6);

    const table = exit.stdout.trim().split('\n');
    expect(table[0]).toMatch(/^scenario\s+req\/s\s+p50 ms\s+p99 ms\s+floor req\/s/);
    expect(table[2]).toMatch(/^health-live\s+[\d,]+\s+[\d.]+\s+[\d.]+\s+[\d,]+/);
    expect(exit.stderr).toContain('health-live [service]');
    expect(exit.stderr).toContain('health-live [floor]');

    // The embedded PostgreSQL was stopped and its folder removed, as was the service's data folder.
    expect(await readdir(tmp)).toEqual([]);
  }, 120_000);

  it('refuses an unknown scenario name, listing the known ones', async () => {
    const bench = new Spawned('dist/bench/run.js', childEnv({ BENCH_SCENARIOS: 'no-such-scenario', BENCH_OUTPUT: join(scratch, 'never.json') }));
    spawned.push(bench);
    const exit = await bench.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/no-such-scenario.*known: .*health-live/);
    await expect(readFile(join(scratch, 'never.json'))).rejects.toThrow();
  }, 30_000);
});
