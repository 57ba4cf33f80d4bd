import { DataSource } from 'typeorm';

/** Any fixed number: instances starting together take turns applying migrations. */
const MIGRATION_LOCK_KEY = 4_270_113;

/** Applies pending migrations, one instance at a time. Returns the names applied. */
export async function applyMigrations(db: DataSource): Promise<string[]> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await db.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** True when every migration this build ships has been applied. */
export async function migrationsUpToDate(db: DataSource): Promise<boolean> {
  return !(await db.showMigrations());
}
