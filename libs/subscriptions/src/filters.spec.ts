import { OperationOutcomeError } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { matchesFilters, parseFilterCriteria, subscriptionMatches } from './filters';
import { topicByUrl, TOPIC_BASE_URL } from './topics';

const taskTopic = topicByUrl(`${TOPIC_BASE_URL}/task-changed`)!;
const encounterTopic = topicByUrl(`${TOPIC_BASE_URL}/encounter-discharged`)!;

const task = {
  resourceType: 'Task',
  status: 'ready',
  intent: 'order',
  for: { reference: 'Patient/p1' },
  owner: { reference: 'Practitioner/nurse-1' },
  code: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-code', code: 'post-discharge-contact' }] },
} as Resource;

describe('parseFilterCriteria', () => {
  it.each([
    ['Task?patient=Patient/p1', [{ name: 'patient', values: ['Patient/p1'] }]],
    ['patient=p1', [{ name: 'patient', values: ['p1'] }]],
    ['Task?status=ready,in-progress&owner=Practitioner/nurse-1', [{ name: 'status', values: ['ready', 'in-progress'] }, { name: 'owner', values: ['Practitioner/nurse-1'] }]],
    ['code=http%3A%2F%2Fx%7Cy', [{ name: 'code', values: ['http://x|y'] }]],
  ])('%s', (text, expected) => {
    expect(parseFilterCriteria(text, taskTopic, 'x')).toEqual(expected);
  });

  it.each([
    ['Encounter?patient=Patient/p1', taskTopic, 'is on Encounter'],
    ['subject=Patient/p1', taskTopic, 'can be filtered by patient, owner, status, code'],
    ['owner=Practitioner/1', encounterTopic, 'not "owner"'],
    ['status:not=ready', taskTopic, 'modifiers are not supported'],
    ['status=', taskTopic, 'needs a value'],
    ['', taskTopic, 'empty filter'],
  ])('refuses %s', (text, topic, message) => {
    let error: unknown;
    try {
      parseFilterCriteria(text, topic, 'Subscription.criteria.extension[0]');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OperationOutcomeError);
    const issue = (error as OperationOutcomeError).outcome.issue[0];
    expect(issue.details?.text).toContain(message);
    expect(issue.expression).toEqual(['Subscription.criteria.extension[0]']);
  });
});

describe('matchesFilters', () => {
  const f = (text: string) => parseFilterCriteria(text, taskTopic, 'x');
  it.each([
    ['patient=Patient/p1', true],
    ['patient=p1', true],
    ['patient=https://ehr.example/fhir/Patient/p1', true],
    ['patient=Patient/p2', false],
    ['owner=Practitioner/nurse-1', true],
    ['owner=Practitioner/nurse-2', false],
    ['status=ready', true],
    ['status=completed,ready', true],
    ['status=completed', false],
    ['code=post-discharge-contact', true],
    ['code=http://liaison.health/fhir/CodeSystem/task-code|post-discharge-contact', true],
    ['code=http://liaison.health/fhir/CodeSystem/task-code|', true],
    ['code=http://other|post-discharge-contact', false],
    ['code=|post-discharge-contact', false],
    ['patient=p1&status=completed', false],
    ['patient=p1&status=ready', true],
  ])('%s → %s', (text, expected) => {
    expect(matchesFilters(task, f(text))).toBe(expected);
  });

  it('passes everything without filters, nothing without a resource when filtered', () => {
    expect(matchesFilters(task, [])).toBe(true);
    expect(matchesFilters(undefined, f('status=ready'))).toBe(false);
  });

  it('filters encounters by subject, class and type', () => {
    const encounter = { resourceType: 'Encounter', status: 'finished', subject: { reference: 'Patient/p9' }, class: { system: 'v3', code: 'IMP' } } as Resource;
    const filters = parseFilterCriteria('patient=p9&code=v3|IMP', encounterTopic, 'x');
    expect(matchesFilters(encounter, filters)).toBe(true);
  });
});

describe('subscriptionMatches', () => {
  it('needs the topic and the filters', () => {
    const subscription = { topic: taskTopic.url, filters: parseFilterCriteria('status=ready', taskTopic, 'x') };
    expect(subscriptionMatches({ topics: [taskTopic.url], content: task }, subscription)).toBe(true);
    expect(subscriptionMatches({ topics: [`${TOPIC_BASE_URL}/task-created`], content: task }, subscription)).toBe(false);
    expect(subscriptionMatches({ topics: [taskTopic.url], content: { ...task, status: 'completed' } as Resource }, subscription)).toBe(false);
  });
});
