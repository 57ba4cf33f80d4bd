/** How a benchmark run is shaped; read from the environment by `run.ts` only. */
export interface BenchSettings {
  /** Measured seconds per side (service, floor) of each scenario. */
  readonly seconds: number;
  /** Seconds of load before each measurement, discarded. */
  readonly warmupSeconds: number;
  /** Concurrent connections (HTTP) and concurrent `pg` clients (floor). */
  readonly connections: number;
  /** Scenario names to run; undefined runs all. */
  readonly only: readonly string[] | undefined;
  /** Where the JSON results are written. */
  readonly outputFile: string;
  /** An external PostgreSQL to create a fresh database on; undefined starts an embedded one. */
  readonly databaseUrl: string | undefined;
  /** The service's LOG_LEVEL during the run. */
  readonly logLevel: string;
}

export class BenchSettingsError extends Error {}

function positive(env: Record<string, string | undefined>, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new BenchSettingsError(`${name} must be a number >= ${min}, got "${raw}"`);
  }
  return value;
}

export function benchSettings(env: Record<string, string | undefined>): BenchSettings {
  const only = env.BENCH_SCENARIOS?.split(',').map((name) => name.trim()).filter(Boolean);
  return {
    seconds: positive(env, 'BENCH_SECONDS', 10, 0.5),
    warmupSeconds: positive(env, 'BENCH_WARMUP_SECONDS', 2, 0),
    connections: Math.round(positive(env, 'BENCH_CONNECTIONS', 16, 1)),
    only: only?.length ? only : undefined,
    outputFile: env.BENCH_OUTPUT || 'bench-results.json',
    databaseUrl: env.DATABASE_URL || undefined,
    logLevel: env.BENCH_LOG_LEVEL || 'info',
  };
}
