import type { CodeableConcept, Task } from '@medplum/fhirtypes';

/** The project's Task codes (fhir-profiles/CodeSystem-task-code.json). */
export const TASK_CODE_SYSTEM = 'http://liaison.health/fhir/CodeSystem/task-code';

export const TASK_CODE_DISPLAY = {
  'post-discharge-contact': 'Post-discharge contact',
  'follow-up-appointment': 'Follow-up appointment',
  'medication-reconciliation': 'Medication reconciliation',
  'home-health': 'Arrange home health',
  'durable-medical-equipment': 'Arrange durable medical equipment',
  transportation: 'Arrange transportation',
  'financial-assistance': 'Financial assistance',
  'verify-coverage': 'Verify coverage',
  'discharge-planning': 'Discharge planning',
  'introduce-coordinator': 'Introduce care coordinator',
  referral: 'Referral',
  'bereavement-outreach': 'Bereavement outreach',
  escalation: 'Escalation',
  'check-up-reminder': 'Check-up reminder',
} as const;

export type TaskCode = keyof typeof TASK_CODE_DISPLAY;

export function isTaskCode(value: unknown): value is TaskCode {
  return typeof value === 'string' && Object.hasOwn(TASK_CODE_DISPLAY, value);
}

export function taskCodeConcept(code: TaskCode): CodeableConcept {
  return { coding: [{ system: TASK_CODE_SYSTEM, code, display: TASK_CODE_DISPLAY[code] }], text: TASK_CODE_DISPLAY[code] };
}

/** The Task's code in the project's CodeSystem, if it has one. */
export function taskCodeOf(task: Pick<Task, 'code'>): TaskCode | undefined {
  const code = task.code?.coding?.find((coding) => coding.system === TASK_CODE_SYSTEM)?.code;
  return isTaskCode(code) ? code : undefined;
}
