import type { Bundle, BundleEntry, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';

/** R4 profiles of the Subscriptions R5 Backport IG. */
export const BACKPORT = {
  subscriptionProfile: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription',
  notificationProfile: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4',
  statusProfile: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4',
  filterCriteria: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria',
  payloadContent: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content',
  heartbeatPeriod: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period',
  timeout: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout',
  maxCount: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-max-count',
  topicCanonical: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical',
  statusOperation: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status',
  eventsOperation: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events',
} as const;

export type PayloadContent = 'empty' | 'id-only' | 'full-resource';
export type SubscriptionStatusCode = 'requested' | 'active' | 'error' | 'off';
export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

/** One event of a subscription, numbered in the subscription's own sequence (1, 2, …). */
export interface NotificationEvent {
  readonly eventNumber: number;
  /** When the change was committed (ISO instant). */
  readonly timestamp: string;
  readonly interaction: 'create' | 'update' | 'delete';
  readonly resourceType: string;
  readonly resourceId: string;
  readonly versionId: string;
  /** The version the event is about; absent for a delete (and not needed below full-resource). */
  readonly resource?: Resource;
}

export interface SubscriptionStatusInput {
  /** The FHIR base URL (`…/fhir/R4`): references and `fullUrl`s are absolute. */
  readonly baseUrl: string;
  readonly subscriptionId: string;
  readonly topicUrl: string;
  readonly status: SubscriptionStatusCode;
  readonly type: NotificationType;
  readonly eventsSinceSubscriptionStart: number;
  readonly payload: PayloadContent;
  readonly events?: readonly NotificationEvent[];
  /** Problems to report (`error` parameters), e.g. the last delivery failure. */
  readonly errors?: readonly string[];
  /** Id of the Parameters resource. */
  readonly statusId: string;
}

export interface NotificationInput extends SubscriptionStatusInput {
  readonly bundleId: string;
  /** ISO instant the bundle is made. */
  readonly timestamp: string;
}

/**
 * The status information of a notification, `$status` or `$events`: a Parameters resource with
 * the backport SubscriptionStatus R4 profile. `empty` payloads carry no topic and no focus.
 */
export function subscriptionStatusParameters(input: SubscriptionStatusInput): Parameters {
  const withReferences = input.payload !== 'empty';
  const parameter: ParametersParameter[] = [
    { name: 'subscription', valueReference: { reference: `${input.baseUrl}/Subscription/${input.subscriptionId}` } },
    ...(withReferences ? [{ name: 'topic', valueCanonical: input.topicUrl }] : []),
    { name: 'status', valueCode: input.status },
    { name: 'type', valueCode: input.type },
    { name: 'events-since-subscription-start', valueString: String(input.eventsSinceSubscriptionStart) },
    ...(input.events ?? []).map(
      (event): ParametersParameter => ({
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: String(event.eventNumber) },
          { name: 'timestamp', valueInstant: event.timestamp },
          ...(withReferences ? [{ name: 'focus', valueReference: { reference: `${input.baseUrl}/${event.resourceType}/${event.resourceId}` } }] : []),
        ],
      }),
    ),
    ...(input.errors ?? []).map((text): ParametersParameter => ({ name: 'error', valueCodeableConcept: { text } })),
  ];
  return { resourceType: 'Parameters', id: input.statusId, meta: { profile: [BACKPORT.statusProfile] }, parameter };
}

function statusEntry(input: SubscriptionStatusInput): BundleEntry {
  return {
    fullUrl: `urn:uuid:${input.statusId}`,
    resource: subscriptionStatusParameters(input),
    request: { method: 'GET', url: `${input.baseUrl}/Subscription/${input.subscriptionId}/$status` },
    response: { status: '200' },
  };
}

function eventEntry(event: NotificationEvent, input: NotificationInput): BundleEntry {
  const path = `${event.resourceType}/${event.resourceId}`;
  const request =
    event.interaction === 'create'
      ? { method: 'POST' as const, url: event.resourceType }
      : { method: event.interaction === 'delete' ? ('DELETE' as const) : ('PUT' as const), url: path };
  const status = event.interaction === 'create' ? '201' : event.interaction === 'delete' ? '204' : '200';
  const withResource = input.payload === 'full-resource' && event.resource !== undefined && event.interaction !== 'delete';
  return {
    fullUrl: `${input.baseUrl}/${path}`,
    ...(withResource && { resource: event.resource }),
    request,
    response: {
      status,
      etag: `W/"${event.versionId}"`,
      ...(event.interaction !== 'delete' && { lastModified: event.timestamp }),
    },
  };
}

/**
 * A notification Bundle as the backport IG defines it for R4: type `history`, the status
 * Parameters first, then (id-only, full-resource) one entry per event's focus resource.
 */
export function notificationBundle(input: NotificationInput): Bundle {
  const events = input.payload === 'empty' ? [] : (input.events ?? []);
  return {
    resourceType: 'Bundle',
    id: input.bundleId,
    meta: { profile: [BACKPORT.notificationProfile] },
    type: 'history',
    timestamp: input.timestamp,
    entry: [statusEntry(input), ...events.map((event) => eventEntry(event, input))],
  };
}

/** `$status` answer: a searchset Bundle of status Parameters, one per subscription. */
export function statusBundle(statuses: readonly SubscriptionStatusInput[], bundleId: string, timestamp: string): Bundle {
  return {
    resourceType: 'Bundle',
    id: bundleId,
    type: 'searchset',
    timestamp,
    total: statuses.length,
    entry: statuses.map((status) => ({
      fullUrl: `urn:uuid:${status.statusId}`,
      resource: subscriptionStatusParameters(status),
      search: { mode: 'match' as const },
    })),
  };
}
