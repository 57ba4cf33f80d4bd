import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { OperationOutcomeError } from '@medplum/core';
import type { CarePlan, Task } from '@medplum/fhirtypes';
import { formatInstant } from '@liaison/business-time';
import { sweepTasks } from '@liaison/protocols';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth';
import { FhirStore } from '../fhir';
import { CLOCK, Clock } from '../platform/clock/clock';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { asService, inTenant } from '../platform/database/tenant-scope';
import { CoordinationService } from './coordination.service';
import { withSource } from './plan-changes.writer';
import { PlanContextReader } from './plan-context.reader';
import { idIn, refOf } from './resource-search';
import { DueTask, TaskScheduleRepository } from './task-schedule.repository';

/** `meta.source` of what the schedule writes. */
export const SWEEP_SOURCE = 'urn:liaison:coordination:sweep';

export interface SweepOptions {
  /** Tasks per transaction (default 200): small batches keep row locks short. */
  readonly batchSize?: number;
  /**
   * Share of the time the sweep works (default 1: back to back). Below 1, each batch is
   * followed by a pause in proportion to how long it took (0.5: as long again), so that a
   * large backlog leaves the database and the CPU to writers whatever the machine's speed.
   */
  readonly dutyCycle?: number;
}

export interface SweepReport {
  readonly tenants: number;
  readonly batches: number;
  /** Due rows read from the schedule. */
  readonly examined: number;
  readonly becameReady: number;
  readonly becameOverdue: number;
  readonly escalated: number;
  /** Tasks changed by someone else while the batch ran: left for the next run. */
  readonly skipped: number;
  /** Tenants another instance was sweeping (left to it). */
  readonly busyTenants: number;
  /** Tenants whose batch failed (logged; retried by the next run). */
  readonly failedTenants: number;
}

interface BatchResult {
  readonly rows: number;
  readonly last?: DueTask;
  readonly becameReady: number;
  readonly becameOverdue: number;
  readonly escalated: number;
  readonly skipped: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The coordination schedule, on PostgreSQL and safe with several instances: reminders become
 * `ready` when their time comes, overdue Tasks are marked (`businessStatus` overdue), raised one
 * priority step and escalated to the tenant's supervisor queue (`sweepTasks` decides; the store
 * writes, so every change is versioned, validated and emitted like any other).
 *
 * A run walks `coordination_task_schedule` (only Tasks whose time has come, oldest first) tenant
 * by tenant in short transactions of `batchSize` Tasks. Each batch takes the tenant's sweep
 * turn (`pg_try_advisory_xact_lock`): a second instance skips a tenant being swept instead of
 * waiting or doing the work twice; writers never take it. A batch is written with one statement
 * per step (`FhirStore.updateMany`, `createMany`); its updates carry `If-Match`: a Task changed by
 * a user meanwhile fails the batch, which is run again carefully (each write in a savepoint,
 * the changed Task left for the next run).
 *
 * Runs every `LIAISON_SWEEP_INTERVAL_SECONDS` (0: never; tests call `runOnce(now)`), on the
 * injected clock.
 */
@Injectable()
export class TaskSweepJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(TaskSweepJob.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** Bumped by `stop()`: a run started before it ends after its current batch. */
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly schedule: TaskScheduleRepository,
    private readonly reader: PlanContextReader,
    private readonly store: FhirStore,
    private readonly coordination: CoordinationService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig,
  ) {}

  /**
   * The service's own schedule shares the process with the doors: batches of 50 Tasks (a batch
   * validates and indexes its resources in one go, holding the event loop meanwhile) and a
   * quarter of the time (`dutyCycle` 0.25), so a backlog (after an outage, or a bulk load of
   * Tasks) is worked off without starving the writers: each swept Task costs about what a
   * resource written by a door costs, and under full load the doors keep ~80 % of their
   * throughput (measured by the `overdue-sweep` benchmark). Idle, batches are quick and so are
   * the pauses.
   */
  onApplicationBootstrap(): void {
    if (this.config.sweepIntervalSeconds > 0) this.start(this.config.sweepIntervalSeconds * 1000, { batchSize: 50, dutyCycle: 0.25 });
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Runs every `intervalMs` (the next run starts `intervalMs` after the previous one ended). */
  start(intervalMs: number, options: SweepOptions = {}): void {
    this.stopped = false;
    const tick = (): void => {
      this.timer = undefined;
      void this.runOnce(this.clock.now(), options)
        .catch((error: unknown) => this.log.error({ err: errorName(error) }, 'schedule run failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, intervalMs).unref();
  }

  /** Stops the interval; a run in progress ends after its current batch, and is waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running.catch(() => undefined);
  }

  /** One run at `now` over every tenant with due Tasks. Runs of one instance never overlap. */
  runOnce(now: Date = this.clock.now(), options: SweepOptions = {}): Promise<SweepReport> {
    const run = this.running.catch(() => undefined).then(() => this.sweep(now, options));
    this.running = run;
    return run;
  }

  private async sweep(now: Date, options: SweepOptions): Promise<SweepReport> {
    const batchSize = options.batchSize ?? 200;
    const dutyCycle = Math.min(1, Math.max(0.01, options.dutyCycle ?? 1));
    const generation = this.generation;
    const report: Mutable<SweepReport> = { tenants: 0, batches: 0, examined: 0, becameReady: 0, becameOverdue: 0, escalated: 0, skipped: 0, busyTenants: 0, failedTenants: 0 };
    const tenants = await asService(this.db, (tx) => this.schedule.tenantsWithDueTasks(tx, now));
    for (const tenantId of tenants) {
      report.tenants++;
      let after: DueTask | undefined;
      for (;;) {
        let batch: BatchResult | 'busy';
        const batchStarted = Date.now();
        try {
          batch = await this.batch(tenantId, now, batchSize, after);
        } catch (error) {
          // One tenant's trouble (a lock timeout, a broken resource) does not stop the others.
          this.log.error({ tenantId, err: errorName(error), ...errorDetails(error) }, 'schedule batch failed');
          report.failedTenants++;
          break;
        }
        if (batch === 'busy') {
          report.busyTenants++;
          break;
        }
        report.batches++;
        report.examined += batch.rows;
        report.becameReady += batch.becameReady;
        report.becameOverdue += batch.becameOverdue;
        report.escalated += batch.escalated;
        report.skipped += batch.skipped;
        if (batch.rows < batchSize || this.generation !== generation) break;
        after = batch.last;
        if (dutyCycle < 1) await new Promise((resolve) => setTimeout(resolve, (Date.now() - batchStarted) * (1 / dutyCycle - 1)));
        if (this.generation !== generation) break;
      }
    }
    if (report.becameReady + report.becameOverdue > 0) {
      this.log.log({ ...report }, 'schedule run');
    }
    return report;
  }

  /** One batch in one tenant transaction: fast first; after a conflict, again with a savepoint per write. */
  private async batch(tenantId: string, now: Date, size: number, after: DueTask | undefined): Promise<BatchResult | 'busy'> {
    try {
      return await inTenant(this.db, tenantId, (tx) => this.sweepBatch(tx, tenantId, now, size, after, false));
    } catch (error) {
      if (!(error instanceof OperationOutcomeError)) throw error;
      return inTenant(this.db, tenantId, (tx) => this.sweepBatch(tx, tenantId, now, size, after, true));
    }
  }

  private async sweepBatch(
    tx: EntityManager,
    tenantId: string,
    now: Date,
    size: number,
    after: DueTask | undefined,
    careful: boolean,
  ): Promise<BatchResult | 'busy'> {
    // Never queue behind a long writer: give the batch up and let the next run retry it.
    if (!(await this.schedule.tryLockTenantSweep(tx, tenantId, '2s'))) return 'busy';
    const due = await this.schedule.due(tx, tenantId, now, size, after);
    const empty: BatchResult = { rows: due.length, last: due.at(-1), becameReady: 0, becameOverdue: 0, escalated: 0, skipped: 0 };
    if (due.length === 0) return empty;

    const tasks = await this.reader.byIds<Task>(tx, tenantId, 'Task', due.map((row) => row.taskId));
    const found = new Set(tasks.map((task) => task.id));
    await this.schedule.remove(tx, tenantId, due.map((row) => row.taskId).filter((id) => !found.has(id)));
    const planIds = tasks.flatMap((task) => (task.basedOn ?? []).map((ref) => idIn(ref.reference, 'CarePlan'))).filter(isDefined);
    const carePlans = await this.reader.byIds<CarePlan>(tx, tenantId, 'CarePlan', planIds);
    const settings = await this.coordination.settingsFor(tx, tenantId);
    const decision = sweepTasks({
      tasks,
      carePlans,
      settings,
      now: formatInstant(now, settings.timeZone),
      newId: this.coordination.newIdFor(tenantId),
    });
    const principal = schedulePrincipal(tenantId);

    // 1. The Tasks themselves (If-Match: the version decided on), in one write.
    const failed = new Set<string>();
    const taskUpdates = decision.update.filter((r): r is Task => r.resourceType === 'Task');
    if (!careful) {
      await this.store.updateMany(tx, principal, taskUpdates.map((task) => ({ resource: withSource(task, SWEEP_SOURCE), ifMatch: versionTag(task) })));
    } else {
      for (const task of taskUpdates) {
        const written = await this.guarded(tx, () => this.store.update(tx, principal, withSource(task, SWEEP_SOURCE), { ifMatch: versionTag(task) }));
        if (!written) failed.add(task.id as string);
      }
    }
    // 2. Escalations of the Tasks marked (one may exist already if someone cleared a mark).
    const wanted = decision.create.filter((r): r is Task => r.resourceType === 'Task' && !failed.has(idIn(r.focus?.reference, 'Task') ?? ''));
    const existing = new Set((await this.reader.byIds<Task>(tx, tenantId, 'Task', wanted.map((t) => t.id as string))).map((t) => t.id));
    const escalations = wanted.filter((task) => !existing.has(task.id));
    if (escalations.length > 0) {
      await this.store.createMany(tx, principal, escalations.map((task) => ({ resource: withSource(task, SWEEP_SOURCE), id: task.id as string })));
    }
    // 3. The plans list their escalations among their activities.
    const escalationRefs = new Set(escalations.map(refOf));
    const additions = decision.update
      .filter((r): r is CarePlan => r.resourceType === 'CarePlan')
      .map((decided) => ({
        id: decided.id as string,
        refs: (decided.activity ?? []).map((a) => a.reference?.reference).filter((ref): ref is string => !!ref && escalationRefs.has(ref)),
      }))
      .filter((addition) => addition.refs.length > 0);
    const withActivities = (plan: CarePlan, refs: readonly string[]): CarePlan => {
      const present = new Set((plan.activity ?? []).map((a) => a.reference?.reference));
      const activity = [...(plan.activity ?? []), ...refs.filter((ref) => !present.has(ref)).map((reference) => ({ reference: { reference } }))];
      return withSource({ ...plan, activity }, SWEEP_SOURCE);
    };
    if (!careful) {
      const plans = additions.map(({ id, refs }) => withActivities(carePlans.find((p) => p.id === id) as CarePlan, refs));
      await this.store.updateMany(tx, principal, plans.map((plan) => ({ resource: plan, ifMatch: versionTag(plan) })));
    } else {
      for (const { id, refs } of additions) {
        await this.guarded(tx, async () => {
          const [plan] = await this.reader.byIds<CarePlan>(tx, tenantId, 'CarePlan', [id]);
          if (plan) await this.store.update(tx, principal, withActivities(plan, refs), { ifMatch: versionTag(plan) });
        });
      }
    }
    return {
      ...empty,
      becameReady: decision.becameReady.filter((id) => !failed.has(id)).length,
      becameOverdue: decision.becameOverdue.filter((id) => !failed.has(id)).length,
      escalated: escalations.length,
      skipped: failed.size,
    };
  }

  /**
   * Runs one write inside a savepoint (the careful retry of a batch): a refusal (the resource
   * changed meanwhile: 409, 412) is rolled back and reported as `false`; other errors fail the batch.
   */
  private async guarded(tx: EntityManager, write: () => Promise<unknown>): Promise<boolean> {
    await tx.query('SAVEPOINT sweep_write');
    try {
      await write();
      await tx.query('RELEASE SAVEPOINT sweep_write');
      return true;
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT sweep_write');
      if (error instanceof OperationOutcomeError) return false;
      throw error;
    }
  }
}

/** Who the schedule writes as, in a tenant. */
function schedulePrincipal(tenantId: string): Principal {
  return { clientId: 'liaison:coordination-schedule', tenantId, scopes: ['system/*.*'] };
}

/** `If-Match` for the version a decision was made on. */
function versionTag(resource: { meta?: { versionId?: string } }): string | undefined {
  return resource.meta?.versionId ? `W/"${resource.meta.versionId}"` : undefined;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/** What to log of a failure: SQL state, or the outcome's issue codes and where (never resource content). */
function errorDetails(error: unknown): Record<string, unknown> {
  if (error instanceof OperationOutcomeError) {
    return { issues: (error.outcome.issue ?? []).map((issue) => `${issue.code} ${(issue.expression ?? []).join(',')}`) };
  }
  return { code: (error as { code?: string } | undefined)?.code };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
