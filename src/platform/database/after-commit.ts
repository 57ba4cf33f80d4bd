import type { EntityManager, QueryRunner } from 'typeorm';

type Hook = () => void;

const pending = new WeakMap<QueryRunner, Hook[]>();

/**
 * Runs `hook` once the transaction `tx` belongs to has committed (never when it rolls back):
 * for signals that must not precede the commit they announce, such as waking the outbox
 * relay. Only transactions opened by `inTenant` or `asService` run their hooks; a hook
 * registered anywhere else is refused, so a forgotten wake-up cannot pass silently.
 * Hooks run synchronously after COMMIT, in registration order; a throwing hook is the
 * caller's bug and is not allowed to break the write that already committed.
 */
export function afterCommit(tx: EntityManager, hook: Hook): void {
  const hooks = tx.queryRunner && pending.get(tx.queryRunner);
  if (!hooks) throw new Error('afterCommit: not inside a transaction opened by inTenant or asService');
  hooks.push(hook);
}

/** Opens the hook list of a transaction that is about to run on `runner`. */
export function trackCommitHooks(runner: QueryRunner): void {
  pending.set(runner, []);
}

/** Takes the hooks of `runner`'s transaction: `committed` runs them, otherwise they are dropped. */
export function settleCommitHooks(runner: QueryRunner, committed: boolean): void {
  const hooks = pending.get(runner) ?? [];
  pending.delete(runner);
  if (!committed) return;
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // The change is committed; a failed signal only delays its readers (they also poll).
    }
  }
}
