import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { settleCommitHooks, trackCommitHooks } from './after-commit';

/** The database role tenant-scoped work runs as; row-level security applies to it. */
export const TENANT_ROLE = 'liaison_tenant';

/**
 * Runs `work` in one transaction scoped to a tenant: the role is switched to one that row-level
 * security applies to, and `app.tenant_id` is set for this transaction only, so a query that
 * forgets its tenant filter still sees nothing of another tenant. COMMIT happens when `work`
 * resolves; a rejection rolls everything back.
 */
export async function inTenant<T>(db: DataSource, tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const runner = db.createQueryRunner();
  // The tenant scope rides on the BEGIN itself (one simple-protocol round trip, not two): this
  // runner's top-level START TRANSACTION is sent together with the two set_config calls.
  const begin = `START TRANSACTION; SELECT set_config('role', '${TENANT_ROLE}', true), set_config('app.tenant_id', ${sqlLiteral(tenantId)}, true)`;
  const query = runner.query.bind(runner);
  runner.query = ((text: string, parameters?: unknown[], structured?: boolean) =>
    query(text === 'START TRANSACTION' ? begin : text, parameters, structured as never)) as typeof runner.query;
  return inTransaction(runner, work);
}

/** Runs `work` in one transaction on `runner`, then its `afterCommit` hooks if it committed; releases the runner. */
async function inTransaction<T>(runner: QueryRunner, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  trackCommitHooks(runner);
  let committed = false;
  try {
    const result = await runner.manager.transaction(work);
    committed = true;
    return result;
  } finally {
    settleCommitHooks(runner, committed);
    await runner.release();
  }
}

/** A PostgreSQL string literal (standard_conforming_strings, the default since 9.1). */
function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a tenant id cannot contain NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Runs `work` in one transaction as the service itself, across tenants: only for what
 * precedes knowing a tenant (finding an API client by id) and for schedules that walk every
 * tenant. Callers name the tenant in every statement they write.
 */
export async function asService<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const runner = db.createQueryRunner();
  return inTransaction(runner, work);
}
