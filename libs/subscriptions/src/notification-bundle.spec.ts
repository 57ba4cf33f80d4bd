import type { Resource } from '@medplum/fhirtypes';
import { BACKPORT, NotificationInput, notificationBundle, statusBundle } from './notification-bundle';

const input: NotificationInput = {
  baseUrl: 'https://liaison.example/fhir/R4',
  subscriptionId: 'sub-1',
  topicUrl: 'http://liaison.health/fhir/SubscriptionTopic/task-created',
  status: 'active',
  type: 'event-notification',
  eventsSinceSubscriptionStart: 12,
  payload: 'id-only',
  statusId: 'status-1',
  bundleId: 'bundle-1',
  timestamp: '2026-11-27T20:00:00.000Z',
  events: [
    {
      eventNumber: 11,
      timestamp: '2026-11-27T19:59:00.000Z',
      interaction: 'create',
      resourceType: 'Task',
      resourceId: 't1',
      versionId: '1',
      resource: { resourceType: 'Task', id: 't1', status: 'requested', intent: 'order' } as Resource,
    },
    { eventNumber: 12, timestamp: '2026-11-27T19:59:30.000Z', interaction: 'delete', resourceType: 'Task', resourceId: 't2', versionId: '3' },
  ],
};

function params(bundle: ReturnType<typeof notificationBundle>) {
  return (bundle.entry![0].resource as { parameter: { name: string }[] }).parameter;
}

describe('notificationBundle', () => {
  it('is a history Bundle with the status Parameters first (R4 backport profiles)', () => {
    const bundle = notificationBundle(input);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', id: 'bundle-1', type: 'history', timestamp: input.timestamp, meta: { profile: [BACKPORT.notificationProfile] } });
    expect(bundle.entry![0]).toMatchObject({
      fullUrl: 'urn:uuid:status-1',
      resource: { resourceType: 'Parameters', meta: { profile: [BACKPORT.statusProfile] } },
      request: { method: 'GET', url: 'https://liaison.example/fhir/R4/Subscription/sub-1/$status' },
      response: { status: '200' },
    });
    expect(params(bundle)).toEqual([
      { name: 'subscription', valueReference: { reference: 'https://liaison.example/fhir/R4/Subscription/sub-1' } },
      { name: 'topic', valueCanonical: input.topicUrl },
      { name: 'status', valueCode: 'active' },
      { name: 'type', valueCode: 'event-notification' },
      { name: 'events-since-subscription-start', valueString: '12' },
      {
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: '11' },
          { name: 'timestamp', valueInstant: '2026-11-27T19:59:00.000Z' },
          { name: 'focus', valueReference: { reference: 'https://liaison.example/fhir/R4/Task/t1' } },
        ],
      },
      {
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: '12' },
          { name: 'timestamp', valueInstant: '2026-11-27T19:59:30.000Z' },
          { name: 'focus', valueReference: { reference: 'https://liaison.example/fhir/R4/Task/t2' } },
        ],
      },
    ]);
  });

  it('id-only: one entry per event with fullUrl and request, no resource', () => {
    const entries = notificationBundle(input).entry!.slice(1);
    expect(entries).toEqual([
      {
        fullUrl: 'https://liaison.example/fhir/R4/Task/t1',
        request: { method: 'POST', url: 'Task' },
        response: { status: '201', etag: 'W/"1"', lastModified: '2026-11-27T19:59:00.000Z' },
      },
      { fullUrl: 'https://liaison.example/fhir/R4/Task/t2', request: { method: 'DELETE', url: 'Task/t2' }, response: { status: '204', etag: 'W/"3"' } },
    ]);
  });

  it('full-resource: the resource of each event (none for a delete)', () => {
    const entries = notificationBundle({ ...input, payload: 'full-resource' }).entry!.slice(1);
    expect(entries[0].resource).toEqual(input.events![0].resource);
    expect(entries[1].resource).toBeUndefined();
    expect(entries[1].request).toEqual({ method: 'DELETE', url: 'Task/t2' });
  });

  it('empty: only the status, without topic or focus', () => {
    const bundle = notificationBundle({ ...input, payload: 'empty' });
    expect(bundle.entry).toHaveLength(1);
    const names = params(bundle).map((p) => p.name);
    expect(names).not.toContain('topic');
    expect(JSON.stringify(bundle)).not.toContain('focus');
    expect(names.filter((n) => n === 'notification-event')).toHaveLength(2);
  });

  it('handshake: status requested, no events', () => {
    const bundle = notificationBundle({ ...input, type: 'handshake', status: 'requested', events: [], eventsSinceSubscriptionStart: 0 });
    expect(bundle.entry).toHaveLength(1);
    expect(params(bundle)).toContainEqual({ name: 'type', valueCode: 'handshake' });
    expect(params(bundle)).toContainEqual({ name: 'events-since-subscription-start', valueString: '0' });
  });
});

describe('statusBundle', () => {
  it('is a searchset of status Parameters, errors included', () => {
    const bundle = statusBundle([{ ...input, type: 'query-status', status: 'error', errors: ['the endpoint answered 500'] }], 'b', input.timestamp);
    expect(bundle).toMatchObject({ type: 'searchset', total: 1 });
    expect((bundle.entry![0].resource as { parameter: unknown[] }).parameter).toContainEqual({ name: 'error', valueCodeableConcept: { text: 'the endpoint answered 500' } });
  });
});
