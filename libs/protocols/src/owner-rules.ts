import type { Task } from '@medplum/fhirtypes';
import { CoordinationSettings, OwnerRule, ProtocolContext, TaskOwner } from './protocol-model';

/**
 * Who takes an encounter's round-robin work: the coordinator who already owns work of this
 * encounter (continuity: admission and discharge go to the same person), otherwise the next in
 * turn. `advanced` says whether the turn was used (the caller stores `next`).
 */
export interface RoundRobinChoice {
  readonly coordinator?: TaskOwner;
  readonly next: number;
  readonly advanced: boolean;
}

export function chooseCoordinator(settings: CoordinationSettings, encounterTasks: readonly Task[]): RoundRobinChoice {
  const pool = settings.coordinators;
  const current = Number.isInteger(settings.roundRobinNext) && settings.roundRobinNext >= 0 ? settings.roundRobinNext : 0;
  if (pool.length === 0) return { next: current, advanced: false };
  const owners = new Set(pool.map((owner) => owner.reference));
  const sorted = [...encounterTasks].sort((a, b) => (a.authoredOn ?? '').localeCompare(b.authoredOn ?? ''));
  const existing = sorted.find((task) => task.owner?.reference && owners.has(task.owner.reference))?.owner;
  if (existing) return { coordinator: pool.find((owner) => owner.reference === existing.reference), next: current, advanced: false };
  return { coordinator: pool[current % pool.length], next: (current + 1) % pool.length, advanced: true };
}

/**
 * The owner a rule names: `care-team` → the patient's active CareTeam (the first by id, so the
 * choice is stable), `round-robin` → the encounter's coordinator, `supervisor-queue` → the
 * tenant's supervisors; `default-queue`, and any rule that finds nobody, → the default queue.
 */
export function resolveOwner(
  rule: OwnerRule,
  context: ProtocolContext,
  settings: CoordinationSettings,
  coordinator: TaskOwner | undefined,
): TaskOwner {
  switch (rule) {
    case 'care-team': {
      const team = [...context.careTeams]
        .filter((careTeam) => careTeam.status === 'active' && careTeam.subject?.reference === `Patient/${context.patient.id}`)
        .sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''))[0];
      return team ? { reference: `CareTeam/${team.id}` } : settings.defaultQueue;
    }
    case 'round-robin':
      return coordinator ?? settings.defaultQueue;
    case 'supervisor-queue':
      return settings.supervisorQueue;
    default:
      return settings.defaultQueue;
  }
}
