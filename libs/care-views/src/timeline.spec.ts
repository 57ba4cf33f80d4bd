import type { Resource } from '@medplum/fhirtypes';
import { TimelineEntry, timelineEntry, TimelineVersion } from './timeline';

const TASK = {
  resourceType: 'Task',
  id: 't1',
  status: 'in-progress',
  intent: 'order',
  code: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-code', code: 'post-discharge-contact' }] },
} as Resource;
const ENCOUNTER = { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'IMP' } } as Resource;
const PATIENT = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Doe' }] } as Resource;

function version(content: Resource, versionId: number, extra: Partial<TimelineVersion> = {}): TimelineVersion {
  return { resourceType: content.resourceType, id: content.id!, versionId, deleted: false, content, ...extra };
}

describe('timelineEntry', () => {
  it.each<[string, TimelineVersion, TimelineEntry]>([
    ['a Task created', version({ ...TASK, status: 'requested' } as Resource, 1), { action: 'created', status: 'requested', summary: 'Task post-discharge-contact created (requested)' }],
    [
      'a Task started',
      version(TASK, 2, { previousStatus: 'requested' }),
      { action: 'status-changed', status: 'in-progress', previousStatus: 'requested', summary: 'Task post-discharge-contact: requested → in-progress' },
    ],
    ['a Task updated in place', version(TASK, 3, { previousStatus: 'in-progress' }), { action: 'updated', status: 'in-progress', previousStatus: 'in-progress', summary: 'Task post-discharge-contact updated' }],
    ['an encounter discharged', version(ENCOUNTER, 2, { previousStatus: 'in-progress' }), { action: 'status-changed', status: 'finished', previousStatus: 'in-progress', summary: 'Encounter IMP: in-progress → finished' }],
    ['a patient (no status, no names in summaries)', version(PATIENT, 1), { action: 'created', status: undefined, summary: 'Patient created' }],
    ['a patient updated', version(PATIENT, 2), { action: 'updated', status: undefined, summary: 'Patient updated' }],
    ['a deleted Task', version(TASK, 4, { deleted: true, previousStatus: 'in-progress' }), { action: 'deleted', status: 'in-progress', summary: 'Task post-discharge-contact deleted' }],
  ])('%s', (_case, v, expected) => {
    expect(timelineEntry(v)).toEqual(expected);
  });
});
