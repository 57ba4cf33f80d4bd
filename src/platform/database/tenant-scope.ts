import { DataSource, EntityManager } from 'typeorm';

/** The database role tenant-scoped work runs as; row-level security applies to it. */
export const TENANT_ROLE = 'liaison_tenant';

/**
 * Runs `work` in one transaction scoped to a tenant: the role is switched to one that row-level
 * security applies to, and `app.tenant_id` is set for this transaction only, so a query that
 * forgets its tenant filter still sees nothing of another tenant. COMMIT happens when `work`
 * resolves; a rejection rolls everything back.
 */
export async function inTenant<T>(db: DataSource, tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)`, [TENANT_ROLE, tenantId]);
    return work(tx);
  });
}

/**
 * Runs `work` in one transaction as the service itself, across tenants: only for what
 * precedes knowing a tenant (finding an API client by id) and for schedules that walk every
 * tenant. Callers name the tenant in every statement they write.
 */
export async function asService<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return db.transaction(work);
}
