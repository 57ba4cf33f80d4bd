import { followFulfillingTask, rollUpCarePlan, StatusReason, transitionTask } from '@liaison/task-workflow';
import type { CarePlan, ServiceRequest, Task } from '@medplum/fhirtypes';
import { ExistingPlan, PlanChanges, PlanResource, TaskOwner } from './protocol-model';

function refOf(resource: PlanResource): string {
  return `${resource.resourceType}/${resource.id}`;
}

/**
 * The resources one decision creates and changes, keeping the latest version of each so that
 * several rules can act on the same resource in turn (a Task cancelled, then its plan rolled up).
 */
export class ChangeSet {
  private readonly created: PlanResource[] = [];
  private readonly updated = new Map<string, PlanResource>();
  private readonly createdRefs = new Set<string>();

  /** The latest version of a resource: as changed here, or as given. */
  current<T extends PlanResource>(resource: T): T {
    const ref = refOf(resource);
    if (this.createdRefs.has(ref)) return this.created.find((r) => refOf(r) === ref) as T;
    return (this.updated.get(ref) as T | undefined) ?? resource;
  }

  create(resource: PlanResource): void {
    this.created.push(resource);
    this.createdRefs.add(refOf(resource));
  }

  update(resource: PlanResource): void {
    const ref = refOf(resource);
    if (this.createdRefs.has(ref)) {
      this.created[this.created.findIndex((r) => refOf(r) === ref)] = resource;
    } else {
      this.updated.set(ref, resource);
    }
  }

  get isEmpty(): boolean {
    return this.created.length === 0 && this.updated.size === 0;
  }

  result(): PlanChanges {
    return { create: [...this.created], update: [...this.updated.values()] };
  }
}

export interface CancelWork {
  readonly tasks: readonly Task[];
  readonly reason: StatusReason;
  readonly now: string;
  /** Every plan the Tasks may belong to: they are rolled up afterwards. */
  readonly plans: readonly ExistingPlan[];
  /** ServiceRequests the Tasks may be focused on (revoked when no work on them is left). */
  readonly serviceRequests: readonly ServiceRequest[];
  readonly reopenOwner: TaskOwner;
  readonly newId: (key: string) => string;
  /** Plans not to roll up (the caller decides their status itself). */
  readonly skipRollUp?: ReadonlySet<string>;
}

/**
 * Cancels open Tasks with a reason, revokes the referrals nobody pursues any more, and lets each
 * affected plan follow its Tasks.
 */
export function cancelWork(changes: ChangeSet, work: CancelWork): void {
  const allTasks = (): Task[] => uniqueById(work.plans.flatMap((plan) => plan.tasks)).map((task) => changes.current(task));
  const cancelled: Task[] = [];
  for (const original of work.tasks) {
    const task = changes.current(original);
    if (task.status === 'cancelled') continue;
    const next = transitionTask(task, 'cancelled', work.now, work.reason);
    changes.update(next);
    cancelled.push(next);
  }
  const requests = uniqueById([...work.serviceRequests, ...work.plans.flatMap((plan) => plan.serviceRequests)]);
  for (const task of cancelled) {
    const request = requests.find((sr) => task.focus?.reference === `ServiceRequest/${sr.id}`);
    if (!request) continue;
    const outcome = followFulfillingTask({
      serviceRequest: changes.current(request),
      task,
      otherTasks: allTasks(),
      at: work.now,
      reopenOwner: work.reopenOwner,
      reopenDue: work.now, // a cancelled Task never re-opens work: no new Task is made
      newId: work.newId,
    });
    if (outcome.serviceRequest) changes.update(outcome.serviceRequest);
  }
  rollUpPlans(changes, work.plans, work.now, work.skipRollUp);
}

/** Lets every plan follow the current versions of its Tasks. */
export function rollUpPlans(changes: ChangeSet, plans: readonly ExistingPlan[], now: string, skip?: ReadonlySet<string>): void {
  const tasks = uniqueById(plans.flatMap((plan) => plan.tasks)).map((task) => changes.current(task));
  for (const plan of plans) {
    const carePlan: CarePlan = changes.current(plan.carePlan);
    if (skip?.has(`CarePlan/${carePlan.id}`)) continue;
    const rolled = rollUpCarePlan(carePlan, tasks, now);
    if (rolled.changed) changes.update(rolled.carePlan);
  }
}

export function uniqueById<T extends { id?: string }>(resources: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const resource of resources) if (resource.id && !seen.has(resource.id)) seen.set(resource.id, resource);
  return [...seen.values()];
}
