import type { Resource } from '@medplum/fhirtypes';

/** Canonical URL base of the project's SubscriptionTopics (fhir-profiles/SubscriptionTopic-*.json). */
export const TOPIC_BASE_URL = 'http://liaison.health/fhir/SubscriptionTopic';

/** The resource types whose every committed change is an event (the outbox's scope). */
export const EVENT_RESOURCE_TYPES = ['CarePlan', 'Task', 'ServiceRequest', 'Coverage', 'Encounter'] as const;
export type EventResourceType = (typeof EVENT_RESOURCE_TYPES)[number];

export function isEventResourceType(resourceType: string): resourceType is EventResourceType {
  return (EVENT_RESOURCE_TYPES as readonly string[]).includes(resourceType);
}

/** A committed change, as topics see it: `current` is absent for a delete, `previous` for a create. */
export interface TopicChange {
  readonly interaction: 'create' | 'update' | 'delete';
  readonly resourceType: string;
  readonly current?: Resource;
  readonly previous?: Resource;
}

/** The filters a Subscription may narrow a topic with (`Subscription.criteria` filter extension). */
export type FilterName = 'patient' | 'owner' | 'status' | 'code';

export interface TopicDefinition {
  /** The id of the topic's Basic resource and the last segment of its URL. */
  readonly id: string;
  readonly url: string;
  readonly title: string;
  readonly resourceType: EventResourceType;
  /** Filters a subscriber may use on this topic. */
  readonly filters: readonly FilterName[];
  /** True when the change is an event of this topic. */
  matches(change: TopicChange): boolean;
}

const TASK_BUSINESS_STATUS = 'http://liaison.health/fhir/CodeSystem/task-business-status';

function statusOf(resource: Resource | undefined): string | undefined {
  return (resource as { status?: string } | undefined)?.status;
}

/** The status changed to one of `statuses` (from another status, or on creation). */
function becameStatus(change: TopicChange, statuses: readonly string[]): boolean {
  const now = statusOf(change.current);
  const before = statusOf(change.previous);
  return change.current !== undefined && now !== undefined && statuses.includes(now) && !(before !== undefined && statuses.includes(before));
}

function isOverdue(resource: Resource | undefined): boolean {
  const codings = (resource as { businessStatus?: { coding?: { system?: string; code?: string }[] } } | undefined)?.businessStatus?.coding ?? [];
  return codings.some((coding) => coding.system === TASK_BUSINESS_STATUS && coding.code === 'overdue');
}

function topic(id: string, title: string, resourceType: EventResourceType, filters: readonly FilterName[], matches: (change: TopicChange) => boolean): TopicDefinition {
  return { id, url: `${TOPIC_BASE_URL}/${id}`, title, resourceType, filters, matches: (change) => change.resourceType === resourceType && matches(change) };
}

const ANY = (): boolean => true;
const CARE_PLAN_FILTERS: readonly FilterName[] = ['patient', 'status', 'code'];
const TASK_FILTERS: readonly FilterName[] = ['patient', 'owner', 'status', 'code'];

/**
 * Every topic, specific ones first: a change's "primary" topic is the first that matches, and
 * every change of an event resource type matches at least its type's catch-all `…-changed`.
 */
export const SUBSCRIPTION_TOPICS: readonly TopicDefinition[] = [
  topic('careplan-created', 'Care plan created', 'CarePlan', CARE_PLAN_FILTERS, (c) => c.interaction === 'create'),
  topic('careplan-completed', 'Care plan completed', 'CarePlan', CARE_PLAN_FILTERS, (c) => becameStatus(c, ['completed'])),
  topic('careplan-changed', 'Care plan changed', 'CarePlan', CARE_PLAN_FILTERS, ANY),
  topic('task-created', 'Task created', 'Task', TASK_FILTERS, (c) => c.interaction === 'create'),
  topic(
    'task-status-changed',
    'Task status changed',
    'Task',
    TASK_FILTERS,
    (c) => c.current !== undefined && c.previous !== undefined && statusOf(c.current) !== statusOf(c.previous),
  ),
  topic('task-overdue', 'Task overdue', 'Task', TASK_FILTERS, (c) => isOverdue(c.current) && !isOverdue(c.previous)),
  topic('task-changed', 'Task changed', 'Task', TASK_FILTERS, ANY),
  topic('referral-changed', 'Referral changed', 'ServiceRequest', TASK_FILTERS, ANY),
  topic('encounter-admitted', 'Encounter admitted', 'Encounter', ['patient', 'status', 'code'], (c) => becameStatus(c, ['arrived', 'in-progress'])),
  topic('encounter-discharged', 'Encounter discharged', 'Encounter', ['patient', 'status', 'code'], (c) => becameStatus(c, ['finished'])),
  topic('encounter-changed', 'Encounter changed', 'Encounter', ['patient', 'status', 'code'], ANY),
  topic('coverage-changed', 'Coverage changed', 'Coverage', ['patient', 'status', 'code'], ANY),
];

const BY_URL: ReadonlyMap<string, TopicDefinition> = new Map(SUBSCRIPTION_TOPICS.map((t) => [t.url, t]));

/** The topic with this canonical URL (a `|version` suffix is ignored), if it is one of ours. */
export function topicByUrl(url: string): TopicDefinition | undefined {
  return BY_URL.get(url.split('|')[0]);
}

/** URLs of the topics a change is an event of, primary (most specific) first; empty for other types. */
export function topicsOf(change: TopicChange): string[] {
  if (!isEventResourceType(change.resourceType)) return [];
  return SUBSCRIPTION_TOPICS.filter((t) => t.matches(change)).map((t) => t.url);
}
