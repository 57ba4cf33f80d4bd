import type { DataSource, EntityManager } from 'typeorm';
import { inTenant } from '../platform/database/tenant-scope';

/**
 * The reads of one GraphQL request in one tenant transaction (`inTenant`), opened at the first
 * read and committed when the request is over (`close`): a worklist page and the patients,
 * owners and coverage of its Tasks cost one BEGIN/tenant/COMMIT, not one per DataLoader batch.
 * Reads only (mutations write in a transaction of their own). A read that fails ends the
 * transaction (rolled back); the next read opens a new one.
 */
export class ReadSession {
  private current: { tx: Promise<EntityManager>; finish: (error?: unknown) => void; done: Promise<void> } | undefined;
  /** Reads run one after another on the session's connection (a connection runs one statement at a time). */
  private queue: Promise<unknown> = Promise.resolve();
  /** After `close`, reads still arriving (a response cut short) run in transactions of their own. */
  private closed = false;

  constructor(
    private readonly db: DataSource,
    private readonly tenantId: string,
  ) {}

  run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.runNow(work));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    if (this.closed) return inTenant(this.db, this.tenantId, work);
    const session = this.current ?? this.open();
    const tx = await session.tx;
    try {
      return await work(tx);
    } catch (error) {
      if (this.current === session) {
        this.current = undefined;
        session.finish(error);
      }
      throw error;
    }
  }

  /**
   * Commits the open transaction and gives its connection back; the next read opens a new one.
   * A mutation calls it before it writes, so a request never holds a read connection while it
   * waits for a write connection (with a full pool, that could wait forever).
   */
  async release(): Promise<void> {
    await this.queue;
    const session = this.current;
    if (!session) return;
    this.current = undefined;
    session.finish();
    await session.done;
  }

  /** At the end of the request: commits, and later reads (if any) run on their own. Safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    await this.release();
  }

  private open(): NonNullable<ReadSession['current']> {
    let finish!: (error?: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = (error) => (error === undefined ? resolve() : reject(error));
    });
    let started!: (tx: EntityManager) => void;
    let failed!: (error: unknown) => void;
    const tx = new Promise<EntityManager>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    const done = inTenant(this.db, this.tenantId, async (manager) => {
      started(manager);
      await finished;
    }).catch((error: unknown) => failed(error)); // a failed BEGIN fails the reads waiting for it; a rollback is already reported
    this.current = { tx, finish, done };
    return this.current;
  }
}
