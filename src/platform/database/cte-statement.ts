import type { EntityManager } from 'typeorm';
import { PreparedQueries } from './prepared-query';

/**
 * One SQL statement assembled from several writers' data-modifying CTEs, so that steps of one
 * write that do not read each other's results (a resource row, its history, its search index
 * rows, its outbox event) cost one round trip instead of one each. `$1` is always the tenant;
 * each writer adds its values with `add` and its CTEs with `with`. The CTEs run on one snapshot
 * and see each other only through RETURNING, so a writer may name an earlier CTE (`gate`) to
 * write nothing unless that CTE returned a row.
 */
export class CteStatement {
  private readonly values: unknown[];
  private readonly ctes: string[] = [];

  constructor(readonly tenantId: string) {
    this.values = [tenantId];
  }

  /** Adds a value; returns its placeholder (`$n`). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds `name AS (sql)`. Names must be unique within the statement. */
  with(name: string, sql: string): void {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`CteStatement: bad CTE name ${name}`);
    this.ctes.push(`${name} AS (${sql})`);
  }

  get isEmpty(): boolean {
    return this.ctes.length === 0;
  }

  /** Runs the CTEs, then `select` (which may read them), as one prepared statement. */
  async run<Row>(tx: EntityManager, prepared: PreparedQueries, select = 'SELECT 1'): Promise<Row[]> {
    if (this.isEmpty) throw new Error('CteStatement: nothing to run');
    return prepared.rows<Row>(tx, `WITH ${this.ctes.join(', ')} ${select}`, this.values);
  }
}
