import type { CapabilityStatement } from '@medplum/fhirtypes';
import { advertiseSubscriptionTopics } from './capability';
import { BACKPORT } from './notification-bundle';
import { SUBSCRIPTION_TOPICS } from './topics';

describe('advertiseSubscriptionTopics', () => {
  const statement: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-27',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{ mode: 'server', resource: [{ type: 'Task' }, { type: 'Subscription', interaction: [{ code: 'read' }] }] }],
  };

  it('adds one topic canonical extension per topic, the profile and the operations on Subscription, and Basic', () => {
    const advertised = advertiseSubscriptionTopics(statement);
    const subscription = advertised.rest![0].resource!.find((r) => r.type === 'Subscription')!;
    expect(subscription.extension?.map((e) => e.valueCanonical)).toEqual(SUBSCRIPTION_TOPICS.map((t) => t.url));
    expect(subscription.extension?.every((e) => e.url === BACKPORT.topicCanonical)).toBe(true);
    expect(subscription.supportedProfile).toEqual([BACKPORT.subscriptionProfile]);
    expect(subscription.operation?.map((o) => o.name)).toEqual(['status', 'events']);
    expect(advertised.rest![0].resource!.map((r) => r.type)).toEqual(['Task', 'Subscription', 'Basic']);
    expect(statement.rest![0].resource![1].extension).toBeUndefined();
  });
});
