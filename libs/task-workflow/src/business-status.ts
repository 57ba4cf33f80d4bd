import type { CodeableConcept, Task } from '@medplum/fhirtypes';

/** Finer steps within a status (`Task.businessStatus`), e.g. a call attempted, or overdue. */
export const BUSINESS_STATUS_SYSTEM = 'http://liaison.health/fhir/CodeSystem/task-business-status';

export const BUSINESS_STATUS_DISPLAY = {
  'left-voicemail': 'Left voicemail',
  'no-answer': 'No answer',
  'patient-unreachable': 'Patient unreachable',
  'awaiting-response': 'Awaiting response',
  scheduled: 'Scheduled',
  overdue: 'Overdue',
} as const;

export type BusinessStatusCode = keyof typeof BUSINESS_STATUS_DISPLAY;

export function businessStatusConcept(code: BusinessStatusCode): CodeableConcept {
  return {
    coding: [{ system: BUSINESS_STATUS_SYSTEM, code, display: BUSINESS_STATUS_DISPLAY[code] }],
    text: BUSINESS_STATUS_DISPLAY[code],
  };
}

export function hasBusinessStatus(task: Pick<Task, 'businessStatus'>, code: BusinessStatusCode): boolean {
  return (task.businessStatus?.coding ?? []).some((coding) => coding.system === BUSINESS_STATUS_SYSTEM && coding.code === code);
}
