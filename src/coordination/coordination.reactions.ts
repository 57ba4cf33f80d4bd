import { Inject, Injectable } from '@nestjs/common';
import type { Coverage, Encounter, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { formatInstant } from '@liaison/business-time';
import { followTaskChange, nextSweepAt } from '@liaison/protocols';
import { changedElements, isTerminalStatus } from '@liaison/task-workflow';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth';
import type { ResourceChange, WriteReactions } from '../fhir';
import { CLOCK, Clock } from '../platform/clock/clock';
import { CoordinationService } from './coordination.service';
import { CoordinationSettingsRepository } from './coordination-settings.repository';
import { PlanChangesWriter } from './plan-changes.writer';
import { PlanContextReader } from './plan-context.reader';
import { idIn } from './resource-search';
import { TaskScheduleRepository } from './task-schedule.repository';

/** Where a reaction's writes say they came from when the change that caused them does not say. */
const REACTION_SOURCE = 'urn:liaison:coordination:reaction';

/** Coverage elements that do not bear on coverage rules: a change only to these is no coverage change. */
const COVERAGE_BOOKKEEPING = new Set(['meta', 'text']);

/**
 * What follows a change, whichever door it came through (FHIR PUT/PATCH/transaction, GraphQL,
 * ingest, the sweep, coordination itself): the store's `react` step, handed to FhirStore by
 * CoordinationModule at start-up, runs this in the writer's transaction after each write.
 *
 * - every Task write keeps `coordination_task_schedule` in step (the sweep's index);
 * - a Task that becomes terminal: its referral follows it and its CarePlan follows its Tasks
 *   (`followTaskChange`: completed / revoked plan, completed / revoked referral, a "find another
 *   performer" Task when a referral was rejected);
 * - a Coverage created, changed or deleted: `coverage.changed` for its beneficiary (open plans'
 *   coverage rules re-evaluated);
 * - an Encounter that becomes cancelled (or entered in error): `encounter.admission-cancelled`
 *   (its plans revoked);
 * - a PlanDefinition created, changed or deleted: the tenant's protocols stamp moves forward, so
 *   every instance reads the tenant's protocols again (`ProtocolCatalog`).
 * Writes made here go through the store again; they are plan, referral and new non-terminal
 * Task writes, whose reactions decide nothing more, so the chain stops after one step.
 */
@Injectable()
export class CoordinationReactions implements WriteReactions {
  constructor(
    private readonly coordination: CoordinationService,
    private readonly schedule: TaskScheduleRepository,
    private readonly reader: PlanContextReader,
    private readonly writer: PlanChangesWriter,
    private readonly settings: CoordinationSettingsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async afterWrite(tx: EntityManager, principal: Principal, changes: readonly ResourceChange[]): Promise<void> {
    const tasks = changes.filter((change) => change.resourceType === 'Task');
    if (tasks.length > 0) await this.keepSchedule(tx, principal.tenantId, tasks);
    if (changes.some((change) => change.resourceType === 'PlanDefinition')) await this.settings.touch(tx, principal.tenantId);
    for (const change of changes) {
      switch (change.resourceType) {
        case 'Task':
          if (becameTerminal(change)) await this.followTask(tx, principal, change.resource as Task, change.previous as Task | undefined);
          break;
        case 'Coverage':
          await this.coverageChanged(tx, principal, change);
          break;
        case 'Encounter':
          await this.encounterChanged(tx, principal, change);
          break;
        default:
          break;
      }
    }
  }

  private async keepSchedule(tx: EntityManager, tenantId: string, changes: readonly ResourceChange[]): Promise<void> {
    const deleted = changes.filter((change) => change.interaction === 'delete').map((change) => change.id);
    const written = changes.filter((change) => change.interaction !== 'delete' && change.resource);
    const wakes = written.map((change) => ({ taskId: change.id, wakeAt: nextSweepAt(change.resource as Task) }));
    const allCreated = written.every((change) => change.interaction === 'create');
    await this.schedule.apply(tx, tenantId, wakes, allCreated);
    await this.schedule.remove(tx, tenantId, deleted);
  }

  private async followTask(tx: EntityManager, principal: Principal, task: Task, previous: Task | undefined): Promise<void> {
    const tenantId = principal.tenantId;
    const planId = (task.basedOn ?? []).map((ref) => idIn(ref.reference, 'CarePlan')).find(Boolean);
    const requestId = idIn(task.focus?.reference, 'ServiceRequest');
    if (!planId && !requestId) return;
    const plan = planId ? await this.reader.plan(tx, tenantId, planId) : undefined;
    const serviceRequest = requestId
      ? (plan?.serviceRequests.find((request) => request.id === requestId) ??
        (await this.reader.byIds<ServiceRequest>(tx, tenantId, 'ServiceRequest', [requestId]))[0])
      : undefined;
    if (!plan && !serviceRequest) return;
    const requestTasks = serviceRequest ? await this.reader.tasksFocusedOn(tx, tenantId, requestId as string) : [];
    const settings = await this.coordination.settingsFor(tx, tenantId);
    const changes = followTaskChange({
      previous,
      task,
      plan,
      serviceRequest,
      requestTasks,
      settings,
      now: formatInstant(this.clock.now(), settings.timeZone),
      newId: this.coordination.newIdFor(tenantId),
    });
    await this.writer.write(tx, principal, changes, task.meta?.source ?? REACTION_SOURCE);
  }

  private async coverageChanged(tx: EntityManager, principal: Principal, change: ResourceChange): Promise<void> {
    const current = change.resource as Coverage | undefined;
    const previous = change.previous as Coverage | undefined;
    if (current && previous && changedElements(previous, current).every((element) => COVERAGE_BOOKKEEPING.has(element))) return;
    const patients = new Set(
      [current?.beneficiary?.reference, previous?.beneficiary?.reference].map((ref) => idIn(ref, 'Patient')).filter(isDefined),
    );
    for (const patientId of patients) {
      await this.coordination.handleEvent(tx, principal, {
        kind: 'coverage.changed',
        occurredAt: this.clock.now().toISOString(),
        patientId,
        coverageId: change.id,
        source: sourceOf(change) ?? REACTION_SOURCE,
      });
    }
  }

  private async encounterChanged(tx: EntityManager, principal: Principal, change: ResourceChange): Promise<void> {
    const current = change.resource as Encounter | undefined;
    const previous = change.previous as Encounter | undefined;
    if (!current || !isCancelled(current) || (previous && isCancelled(previous))) return;
    const patientId = idIn(current.subject?.reference, 'Patient');
    if (!patientId) return;
    await this.coordination.handleEvent(tx, principal, {
      kind: 'encounter.admission-cancelled',
      occurredAt: this.clock.now().toISOString(),
      patientId,
      encounterId: change.id,
      source: sourceOf(change) ?? REACTION_SOURCE,
    });
  }
}

/** A Task change that ends the work: created terminal, or moved into a terminal status. */
function becameTerminal(change: ResourceChange): boolean {
  const task = change.resource as Task | undefined;
  if (!task || !isTerminalStatus(task.status)) return false;
  return (change.previous as Task | undefined)?.status !== task.status;
}

function isCancelled(encounter: Encounter): boolean {
  return encounter.status === 'cancelled' || encounter.status === 'entered-in-error';
}

function sourceOf(change: ResourceChange): string | undefined {
  return (change.resource as Resource | undefined)?.meta?.source;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
