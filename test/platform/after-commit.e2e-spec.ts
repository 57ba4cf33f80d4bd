import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/platform/database/data-source-options';
import { afterCommit } from '../../src/platform/database/after-commit';
import { asService, inTenant } from '../../src/platform/database/tenant-scope';
import { createTestDatabase, TestDatabase } from '../harness/test-database';

/**
 * `afterCommit` hooks (how a write wakes the outbox relay) run once the transaction has
 * committed, when what they announce is already visible to another connection, and never
 * when it rolls back.
 */
describe('afterCommit', () => {
  let database: TestDatabase;
  let db: DataSource;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await new DataSource(dataSourceOptions(database.url, { poolSize: 3 })).initialize();
    await db.query('CREATE TABLE after_commit_probe (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  const visibleElsewhere = async (id: number): Promise<boolean> =>
    ((await db.query('SELECT 1 FROM after_commit_probe WHERE id = $1', [id])) as unknown[]).length === 1;

  it.each([
    ['inTenant', (work: Parameters<typeof asService>[1]) => inTenant(db, 'tenant-a', work)],
    ['asService', (work: Parameters<typeof asService>[1]) => asService(db, work)],
  ])('%s runs hooks after COMMIT, in order, when the change is visible to others', async (_name, scope) => {
    const seen: string[] = [];
    const id = _name === 'inTenant' ? 1 : 2;
    await scope(async (tx) => {
      await tx.query('INSERT INTO after_commit_probe (id) VALUES ($1)', [id]);
      afterCommit(tx, () => seen.push('first'));
      afterCommit(tx, () => {
        seen.push('second');
        throw new Error('a failing hook does not undo the commit');
      });
      afterCommit(tx, () => seen.push('third'));
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual(['first', 'second', 'third']);
    expect(await visibleElsewhere(id)).toBe(true);
  });

  it('drops the hooks of a transaction that rolls back', async () => {
    const seen: string[] = [];
    await expect(
      asService(db, async (tx) => {
        await tx.query('INSERT INTO after_commit_probe (id) VALUES (3)');
        afterCommit(tx, () => seen.push('never'));
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(seen).toEqual([]);
    expect(await visibleElsewhere(3)).toBe(false);
  });

  it('refuses a hook outside inTenant/asService, so a lost wake-up cannot pass silently', async () => {
    await expect(db.transaction(async (tx) => afterCommit(tx, () => undefined))).rejects.toThrow(/not inside a transaction opened by inTenant or asService/);
  });
});
