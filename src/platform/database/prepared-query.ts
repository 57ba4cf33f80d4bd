import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

/** Distinct statement texts a process prepares at most; further shapes run unprepared. */
const MAX_PREPARED_SHAPES = 200;

/**
 * Runs SQL as named prepared statements on the transaction's own connection, so PostgreSQL
 * parses (and, after a few runs, plans) each statement shape once per connection instead of on
 * every request: planning a statement costs as much as running a 20-row index search. Only for
 * statements whose best plan does not depend on the values (index writes, the worklist query):
 * a reused generic plan could otherwise scan a whole table for a rare value. Values stay
 * parameters; a shape's text never holds data. Past `MAX_PREPARED_SHAPES` shapes, statements
 * run unnamed, so nothing can grow every connection's plan cache without bound.
 */
export class PreparedQueries {
  private readonly names = new Map<string, string>();

  async rows<Row>(tx: EntityManager, text: string, values: readonly unknown[]): Promise<Row[]> {
    const name = this.nameOf(text);
    if (!name || !tx.queryRunner) return tx.query(text, values as unknown[]);
    const client = (await tx.queryRunner.connect()) as PoolClient;
    return (await client.query({ name, text, values: values as unknown[] })).rows as Row[];
  }

  private nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known || this.names.size >= MAX_PREPARED_SHAPES) return known;
    const name = `liaison_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    this.names.set(text, name);
    return name;
  }
}
