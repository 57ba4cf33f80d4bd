import type { Resource } from '@medplum/fhirtypes';
import { outboxEntriesOf } from './outbox-entries';
import { TOPIC_BASE_URL } from './topics';

describe('outboxEntriesOf', () => {
  it('has one entry per change to an event type, with its topics and time', () => {
    const task = { resourceType: 'Task', id: 't1', status: 'ready', intent: 'order', meta: { versionId: '2', lastUpdated: '2026-11-27T20:00:00.000Z' } } as Resource;
    const entries = outboxEntriesOf(
      [
        { interaction: 'update', resourceType: 'Task', id: 't1', versionId: '2', resource: task, previous: { ...task, status: 'requested' } as Resource },
        { interaction: 'create', resourceType: 'Patient', id: 'p1', versionId: '1', resource: { resourceType: 'Patient', id: 'p1' } },
        { interaction: 'delete', resourceType: 'Coverage', id: 'c1', versionId: '4', previous: { resourceType: 'Coverage', id: 'c1' } as Resource },
      ],
      '2026-11-27T20:00:01.000Z',
    );
    expect(entries).toEqual([
      {
        resourceType: 'Task',
        resourceId: 't1',
        versionId: 2,
        interaction: 'update',
        topics: [`${TOPIC_BASE_URL}/task-status-changed`, `${TOPIC_BASE_URL}/task-changed`],
        occurredAt: '2026-11-27T20:00:00.000Z',
      },
      { resourceType: 'Coverage', resourceId: 'c1', versionId: 4, interaction: 'delete', topics: [`${TOPIC_BASE_URL}/coverage-changed`], occurredAt: '2026-11-27T20:00:01.000Z' },
    ]);
  });
});
