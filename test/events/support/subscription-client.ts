import type { Resource, Subscription } from '@medplum/fhirtypes';

export const BACKPORT_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription';
export const TOPIC = (id: string): string => `http://liaison.health/fhir/SubscriptionTopic/${id}`;

export interface SubscriptionOptions {
  topic: string;
  endpoint: string;
  payload?: 'empty' | 'id-only' | 'full-resource';
  filters?: string[];
  heartbeatSeconds?: number;
  timeoutSeconds?: number;
  maxCount?: number;
  secret?: string;
  headers?: string[];
}

/** A backport Subscription for a rest-hook endpoint. */
export function backportSubscription(options: SubscriptionOptions): Subscription {
  const channelExtensions = [
    ...(options.heartbeatSeconds !== undefined
      ? [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period', valueUnsignedInt: options.heartbeatSeconds }]
      : []),
    ...(options.timeoutSeconds !== undefined
      ? [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout', valueUnsignedInt: options.timeoutSeconds }]
      : []),
    ...(options.maxCount !== undefined
      ? [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-max-count', valuePositiveInt: options.maxCount }]
      : []),
    ...(options.secret ? [{ url: 'http://liaison.health/fhir/StructureDefinition/webhook-secret', valueString: options.secret }] : []),
  ];
  return {
    resourceType: 'Subscription',
    meta: { profile: [BACKPORT_PROFILE] },
    status: 'requested',
    reason: 'test',
    criteria: options.topic,
    ...(options.filters?.length && {
      _criteria: {
        extension: options.filters.map((valueString) => ({
          url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria',
          valueString,
        })),
      },
    }),
    channel: {
      type: 'rest-hook',
      endpoint: options.endpoint,
      payload: 'application/fhir+json',
      _payload: {
        extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: options.payload ?? 'id-only' }],
      },
      ...(options.headers && { header: options.headers }),
      ...(channelExtensions.length > 0 && { extension: channelExtensions }),
    },
  } as Subscription;
}

/** An answer of the FHIR API: status, parsed body (typed by the caller), headers. */
export interface FhirAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A small FHIR client for one token; `T` is what the caller expects back. */
export function fhirClient(baseUrl: string, accessToken: string) {
  const http = async <T = Resource>(path: string, init: RequestInit = {}): Promise<FhirAnswer<T>> => {
    const response = await fetch(`${baseUrl}/fhir/R4${path}`, {
      ...init,
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...(init.headers ?? {}) },
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  };
  return {
    http,
    post: <T = Resource>(path: string, body: unknown) => http<T>(path, { method: 'POST', body: JSON.stringify(body) }),
    put: <T = Resource>(path: string, body: unknown) => http<T>(path, { method: 'PUT', body: JSON.stringify(body) }),
    get: <T = Resource>(path: string) => http<T>(path),
    delete: <T = Resource>(path: string) => http<T>(path, { method: 'DELETE' }),
  };
}

export type FhirClient = ReturnType<typeof fhirClient>;
