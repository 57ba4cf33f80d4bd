/**
 * `npm run bench`: boots the real service on a fresh database, measures each scenario at a
 * fixed concurrency next to its bare-`pg` floor, prints a table and writes the JSON results
 * (DESIGN.md §3). Settings come from BENCH_* environment variables (see README).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client, Pool } from 'pg';
import { benchSettings, BenchSettings, BenchSettingsError } from './bench-settings';
import { freshBenchDatabase } from './bench-database';
import { runHttpLoad } from './http.load';
import { LatencyRecorder, LoadResult } from './latency-stats';
import { LoopWorker, runLoopLoad } from './loop.load';
import { ProgressDisplay } from './progress.display';
import { ratioToFloor, resultsTable, ScenarioResult } from './results.report';
import type { BenchContext, BenchScenario, FloorLoad, ServiceLoad } from './scenario';
import { SCENARIOS } from './scenarios';
import { startService } from './service.process';

const DEFAULT_TENANT_ID = 'default';

function selectScenarios(only: readonly string[] | undefined): readonly BenchScenario[] {
  if (!only) return SCENARIOS;
  const unknown = only.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length) {
    throw new BenchSettingsError(
      `BENCH_SCENARIOS names unknown scenarios: ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  }
  return SCENARIOS.filter((scenario) => only.includes(scenario.name));
}

async function measure(
  progress: ProgressDisplay,
  label: string,
  settings: BenchSettings,
  run: (seconds: number, recorder: LatencyRecorder) => Promise<LoadResult>,
): Promise<LoadResult> {
  if (settings.warmupSeconds > 0) {
    const warm = new LatencyRecorder();
    const done = progress.phase(`${label} warm-up`, settings.warmupSeconds, () => warm.completed);
    const result = await run(settings.warmupSeconds, warm);
    done(`${result.requests.toLocaleString('en-US')} done, ${result.errors} failed`);
  }
  const recorder = new LatencyRecorder();
  const done = progress.phase(label, settings.seconds, () => recorder.completed);
  const result = await run(settings.seconds, recorder);
  done(
    `${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s, p50 ${result.p50Ms.toFixed(2)} ms, ` +
      `p99 ${result.p99Ms.toFixed(2)} ms, ${result.errors} failed`,
  );
  return result;
}

function serviceRunner(context: BenchContext, load: ServiceLoad, connections: number) {
  return (seconds: number, recorder: LatencyRecorder): Promise<LoadResult> =>
    load.kind === 'http'
      ? runHttpLoad(context.baseUrl, load.request, connections, seconds, recorder)
      : runLoopLoad((worker) => load.open(worker), connections, seconds, recorder);
}

function floorRunner(context: BenchContext, floor: FloorLoad, connections: number) {
  const open = async (): Promise<LoopWorker> => {
    const db = new Client({ connectionString: context.databaseUrl, application_name: 'liaison-bench-floor' });
    await db.connect();
    return { once: (iteration) => floor.once(db, iteration), close: () => db.end() };
  };
  return (seconds: number, recorder: LatencyRecorder): Promise<LoadResult> => runLoopLoad(open, connections, seconds, recorder);
}

function failures(side: string, result: LoadResult): string | undefined {
  if (result.requests === 0) return `${side}: no operation succeeded${result.firstError ? ` (first error: ${result.firstError})` : ''}`;
  if (result.errors > 0) return `${side}: ${result.errors} operations failed (first: ${result.firstError})`;
  return undefined;
}

async function runScenario(
  scenario: BenchScenario,
  context: BenchContext,
  settings: BenchSettings,
  progress: ProgressDisplay,
): Promise<ScenarioResult> {
  const base = { name: scenario.name, description: scenario.description };
  let service: LoadResult | undefined;
  let floor: (LoadResult & { description: string }) | undefined;
  try {
    const load = await scenario.service(context);
    service = await measure(progress, `${scenario.name} [service]`, settings, serviceRunner(context, load, settings.connections));
    const floorLoad = await scenario.floor(context);
    const floorResult = await measure(progress, `${scenario.name} [floor]`, settings, floorRunner(context, floorLoad, settings.connections));
    floor = { ...floorResult, description: floorLoad.description };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    progress.note(`${scenario.name}: FAILED: ${message}`);
    return { ...base, status: 'failed', error: message, ...(service && { service }), ...(floor && { floor }) };
  }
  const error = [failures('service', service), failures('floor', floor)].filter(Boolean).join('; ');
  return {
    ...base,
    status: error ? 'failed' : 'ok',
    ...(error && { error }),
    service,
    floor,
    ratio: ratioToFloor(service, floor),
  };
}

async function main(): Promise<number> {
  const settings = benchSettings(process.env);
  const scenarios = selectScenarios(settings.only);
  const progress = new ProgressDisplay();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) await step().catch((error) => progress.note(`clean-up: ${String(error)}`));
  };
  process.once('SIGINT', () => {
    progress.note('interrupted: stopping the service and the database');
    void cleanUp().then(() => process.exit(130));
  });

  try {
    const startedAt = new Date();
    progress.note(
      `Liaison benchmark: ${scenarios.map((s) => s.name).join(', ')}; ${settings.connections} connections, ` +
        `${settings.warmupSeconds} s warm-up + ${settings.seconds} s per side`,
    );
    const database = await freshBenchDatabase(settings.databaseUrl, settings.connections, (message) => progress.note(message));
    cleanups.push(() => database.drop());
    const dataDir = await mkdtemp(join(tmpdir(), 'liaison-bench-data-'));
    await chmod(dataDir, 0o755);
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const client = { clientId: 'bench-admin', secret: randomBytes(32).toString('base64url'), tenantId: DEFAULT_TENANT_ID };
    const service = await startService({ databaseUrl: database.url, dataDir, client, logLevel: settings.logLevel });
    cleanups.push(() => service.stop());
    progress.note(`service ready at ${service.baseUrl} after ${(service.readyAfterMs / 1000).toFixed(1)} s (pid ${service.pid})`);

    const pool = new Pool({ connectionString: database.url, max: 2, application_name: 'liaison-bench' });
    cleanups.push(() => pool.end());
    const context: BenchContext = {
      baseUrl: service.baseUrl,
      mllpPort: service.mllpPort,
      databaseUrl: database.url,
      client,
      async sql(text, params) {
        return (await pool.query(text, params)).rows;
      },
    };

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) results.push(await runScenario(scenario, context, settings, progress));
    await cleanUp();

    process.stdout.write(`\n${resultsTable(results)}`);
    const outputFile = resolve(settings.outputFile);
    await writeFile(
      outputFile,
      `${JSON.stringify(
        {
          startedAt: startedAt.toISOString(),
          settings: {
            seconds: settings.seconds,
            warmupSeconds: settings.warmupSeconds,
            connections: settings.connections,
            logLevel: settings.logLevel,
          },
          machine: {
            node: process.version,
            platform: `${process.platform}-${process.arch}`,
            cpus: availableParallelism(),
            cpuModel: cpus()[0]?.model ?? 'unknown',
          },
          database: database.kind,
          serviceReadyAfterMs: service.readyAfterMs,
          scenarios: results,
        },
        null,
        2,
      )}\n`,
    );
    progress.note(`results written to ${outputFile}`);
    return results.every((result) => result.status === 'ok') ? 0 : 1;
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof BenchSettingsError ? 2 : 1);
  },
);
