import type { Resource } from '@medplum/fhirtypes';
import { SUBSCRIPTION_TOPICS, topicByUrl, topicsOf, TOPIC_BASE_URL } from './topics';
import { TOPIC_CASES } from './testing/topic-cases';

const t = (id: string): string => `${TOPIC_BASE_URL}/${id}`;

describe('topicsOf', () => {
  it.each(TOPIC_CASES)('$name', ({ change, topics }) => {
    expect(topicsOf(change)).toEqual(topics);
  });

  it('gives every change of an event type at least its catch-all topic', () => {
    for (const resourceType of ['CarePlan', 'Task', 'ServiceRequest', 'Coverage', 'Encounter']) {
      const topics = topicsOf({ interaction: 'update', resourceType, previous: { resourceType } as Resource, current: { resourceType } as Resource });
      expect(topics.at(-1)).toMatch(/-changed$/);
    }
  });
});

describe('topicByUrl', () => {
  it('finds a topic by canonical URL, ignoring a |version', () => {
    expect(topicByUrl(`${t('task-created')}|0.1.0`)?.id).toBe('task-created');
    expect(topicByUrl('http://example.org/SubscriptionTopic/admission')).toBeUndefined();
  });

  it('has unique ids', () => {
    expect(new Set(SUBSCRIPTION_TOPICS.map((topic) => topic.id)).size).toBe(SUBSCRIPTION_TOPICS.length);
  });
});
