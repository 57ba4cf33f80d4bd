import type { Client } from 'pg';
import type { HttpRequestSpec } from './http.load';
import type { LoopWorker } from './loop.load';

/** The API client the benchmark's service ensures at start-up (every scope, default tenant). */
export interface BenchClient {
  readonly clientId: string;
  readonly secret: string;
  readonly tenantId: string;
}

/** What a scenario may use to arrange its load: the running service and its database. */
export interface BenchContext {
  /** `http://127.0.0.1:<port>` of the service under test. */
  readonly baseUrl: string;
  readonly mllpPort: number;
  /** A superuser URL of the service's (fresh) database. */
  readonly databaseUrl: string;
  readonly client: BenchClient;
  /** A superuser query on the service's database, for arranging rows. */
  sql<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

/** The load put on the service: an HTTP request repeated by autocannon, or a custom closed loop. */
export type ServiceLoad =
  | { readonly kind: 'http'; readonly request: HttpRequestSpec }
  | { readonly kind: 'loop'; open(worker: number): Promise<LoopWorker> };

/**
 * The same database work as one service operation, done with bare `pg` on a connection of its
 * own (DESIGN.md §3): the floor the service's figures are compared with.
 */
export interface FloorLoad {
  readonly description: string;
  once(db: Client, iteration: number): Promise<void>;
}

/**
 * One benchmark scenario. Add one by writing `bench/scenarios/<name>.scenario.ts` and listing
 * it in `bench/scenarios/index.ts`.
 */
export interface BenchScenario {
  /** Short kebab-case name, used by `BENCH_SCENARIOS` and in the results. */
  readonly name: string;
  readonly description: string;
  /** Arranges what the load needs (tokens, rows) and returns the load to put on the service. */
  service(context: BenchContext): Promise<ServiceLoad>;
  /** Arranges what the floor needs and returns it. */
  floor(context: BenchContext): Promise<FloorLoad>;
}
