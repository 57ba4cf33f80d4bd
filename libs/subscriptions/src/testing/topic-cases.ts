import type { Resource } from '@medplum/fhirtypes';
import { TopicChange, TOPIC_BASE_URL } from '../topics';

/** Changes and the topics they are events of: shared by the rules' spec and the topic files' spec. */
const t = (id: string): string => `${TOPIC_BASE_URL}/${id}`;
const task = (status: string, overdue = false): Resource =>
  ({
    resourceType: 'Task',
    status,
    intent: 'order',
    ...(overdue && { businessStatus: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-business-status', code: 'overdue' }] } }),
  }) as Resource;
const plan = (status: string): Resource => ({ resourceType: 'CarePlan', status, intent: 'plan', subject: { reference: 'Patient/p1' } }) as Resource;
const encounter = (status: string): Resource => ({ resourceType: 'Encounter', status, class: { code: 'IMP' } }) as Resource;

export const TOPIC_CASES: readonly { name: string; change: TopicChange; topics: string[] }[] = [
  { name: 'task created', change: { interaction: 'create', resourceType: 'Task', current: task('requested') }, topics: [t('task-created'), t('task-changed')] },
  {
    name: 'task status changed',
    change: { interaction: 'update', resourceType: 'Task', previous: task('requested'), current: task('accepted') },
    topics: [t('task-status-changed'), t('task-changed')],
  },
  { name: 'task edited, same status', change: { interaction: 'update', resourceType: 'Task', previous: task('ready'), current: task('ready') }, topics: [t('task-changed')] },
  {
    name: 'task becomes overdue',
    change: { interaction: 'update', resourceType: 'Task', previous: task('ready'), current: task('ready', true) },
    topics: [t('task-overdue'), t('task-changed')],
  },
  {
    name: 'overdue task stays overdue',
    change: { interaction: 'update', resourceType: 'Task', previous: task('ready', true), current: task('in-progress', true) },
    topics: [t('task-status-changed'), t('task-changed')],
  },
  { name: 'task deleted', change: { interaction: 'delete', resourceType: 'Task', previous: task('ready') }, topics: [t('task-changed')] },
  { name: 'care plan created', change: { interaction: 'create', resourceType: 'CarePlan', current: plan('active') }, topics: [t('careplan-created'), t('careplan-changed')] },
  {
    name: 'care plan completed',
    change: { interaction: 'update', resourceType: 'CarePlan', previous: plan('active'), current: plan('completed') },
    topics: [t('careplan-completed'), t('careplan-changed')],
  },
  {
    name: 'completed care plan edited',
    change: { interaction: 'update', resourceType: 'CarePlan', previous: plan('completed'), current: plan('completed') },
    topics: [t('careplan-changed')],
  },
  {
    name: 'care plan created completed',
    change: { interaction: 'create', resourceType: 'CarePlan', current: plan('completed') },
    topics: [t('careplan-created'), t('careplan-completed'), t('careplan-changed')],
  },
  {
    name: 'encounter admitted (created in progress)',
    change: { interaction: 'create', resourceType: 'Encounter', current: encounter('in-progress') },
    topics: [t('encounter-admitted'), t('encounter-changed')],
  },
  {
    name: 'pre-admitted encounter arrives',
    change: { interaction: 'update', resourceType: 'Encounter', previous: encounter('planned'), current: encounter('arrived') },
    topics: [t('encounter-admitted'), t('encounter-changed')],
  },
  {
    name: 'arrived encounter goes in progress (not a second admission)',
    change: { interaction: 'update', resourceType: 'Encounter', previous: encounter('arrived'), current: encounter('in-progress') },
    topics: [t('encounter-changed')],
  },
  {
    name: 'encounter discharged',
    change: { interaction: 'update', resourceType: 'Encounter', previous: encounter('in-progress'), current: encounter('finished') },
    topics: [t('encounter-discharged'), t('encounter-changed')],
  },
  { name: 'pre-admission', change: { interaction: 'create', resourceType: 'Encounter', current: encounter('planned') }, topics: [t('encounter-changed')] },
  {
    name: 'referral changed',
    change: { interaction: 'update', resourceType: 'ServiceRequest', previous: { resourceType: 'ServiceRequest' } as Resource, current: { resourceType: 'ServiceRequest' } as Resource },
    topics: [t('referral-changed')],
  },
  { name: 'coverage created', change: { interaction: 'create', resourceType: 'Coverage', current: { resourceType: 'Coverage' } as Resource }, topics: [t('coverage-changed')] },
  { name: 'a patient is no event', change: { interaction: 'create', resourceType: 'Patient', current: { resourceType: 'Patient' } as Resource }, topics: [] },
];

