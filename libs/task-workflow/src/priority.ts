import type { Task } from '@medplum/fhirtypes';

export type TaskPriority = NonNullable<Task['priority']>;

/** Request priorities from lowest to highest (http://hl7.org/fhir/request-priority). */
export const PRIORITY_ORDER: readonly TaskPriority[] = ['routine', 'urgent', 'asap', 'stat'];

/** One step up (`routine` → `urgent` → `asap` → `stat`, which stays); absent counts as routine. */
export function escalatePriority(priority: Task['priority']): TaskPriority {
  const index = PRIORITY_ORDER.indexOf(priority ?? 'routine');
  return PRIORITY_ORDER[Math.min(Math.max(index, 0) + 1, PRIORITY_ORDER.length - 1)];
}
