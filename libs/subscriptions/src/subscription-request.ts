import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Extension, Subscription } from '@medplum/fhirtypes';
import { parseEndpointUrl } from './address-policy';
import { FilterCriterion, parseFilterCriteria } from './filters';
import { BACKPORT, PayloadContent, SubscriptionStatusCode } from './notification-bundle';
import { TopicDefinition, topicByUrl } from './topics';
import { webhookKeyOf } from './webhook-signature';

/**
 * A Subscription may set its webhook secret with this extension on `channel` (a `whsec_…`
 * string). It is never stored in the resource: the service keeps it, and returns a generated
 * one once, in the same extension of the create response.
 */
export const WEBHOOK_SECRET_EXTENSION = 'http://liaison.health/fhir/StructureDefinition/webhook-secret';

export const SUBSCRIPTION_LIMITS = {
  timeoutSeconds: { min: 1, max: 60, default: 10 },
  maxCount: { min: 1, max: 100, default: 1 },
  heartbeatSeconds: { min: 1, max: 86_400 },
} as const;

const PAYLOAD_CONTENTS: readonly PayloadContent[] = ['empty', 'id-only', 'full-resource'];
const CONTENT_TYPES = ['application/fhir+json', 'application/json'];
/** Headers the service sets itself; a subscription may not override them. */
const RESERVED_HEADERS = ['content-type', 'content-length', 'host', 'connection', 'transfer-encoding', 'webhook-id', 'webhook-timestamp', 'webhook-signature'];

export interface ChannelHeader {
  readonly name: string;
  readonly value: string;
}

/** What delivery needs from a Subscription, validated. */
export interface SubscriptionSpec {
  readonly topic: TopicDefinition;
  readonly filters: readonly FilterCriterion[];
  readonly endpoint: string;
  readonly payload: PayloadContent;
  readonly contentType: string;
  readonly headers: readonly ChannelHeader[];
  readonly heartbeatSeconds: number | undefined;
  readonly timeoutSeconds: number;
  readonly maxCount: number;
  /** ISO instant after which nothing is sent (`Subscription.end`). */
  readonly end: string | undefined;
  /** The status the client asked for (`requested`, or `off` to pause). */
  readonly requestedStatus: SubscriptionStatusCode | undefined;
  /** A secret the client chose (`whsec_…`), if any. */
  readonly secret: string | undefined;
}

function invalid(message: string, expression: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, expression));
}

function extensionsOf(element: { extension?: Extension[] } | undefined, url: string): Extension[] {
  return (element?.extension ?? []).filter((extension) => extension.url === url);
}

function boundedInteger(
  element: { extension?: Extension[] },
  url: string,
  expression: string,
  bounds: { min: number; max: number },
): number | undefined {
  const [extension, twin] = extensionsOf(element, url);
  if (twin) throw invalid(`${url} is given twice`, expression);
  if (!extension) return undefined;
  const value = extension.valueUnsignedInt ?? extension.valuePositiveInt ?? extension.valueInteger;
  if (value === undefined || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw invalid(`${expression} must be a whole number from ${bounds.min} to ${bounds.max}`, expression);
  }
  return value;
}

/**
 * Validates a Subscription against the backport profile as this service supports it:
 * `criteria` one of our topics, filters from the topic's list, channel `rest-hook` to an
 * http(s) endpoint, JSON payload with `empty` | `id-only` | `full-resource` content, and the
 * heartbeat, timeout and max-count extensions within bounds. Throws a 400 naming the element.
 */
export function parseSubscription(resource: Subscription): SubscriptionSpec {
  if (resource.resourceType !== 'Subscription') throw invalid('The body must be a Subscription', 'resourceType');
  if (!resource.criteria) throw invalid('criteria must name a SubscriptionTopic (its canonical URL)', 'Subscription.criteria');
  const topic = topicByUrl(resource.criteria);
  if (!topic) throw invalid(`Unknown SubscriptionTopic ${resource.criteria} (GET /fhir/R4/Basic?code=SubscriptionTopic lists them)`, 'Subscription.criteria');
  const criteriaElement = (resource as { _criteria?: { extension?: Extension[] } })._criteria;
  const filters = extensionsOf(criteriaElement, BACKPORT.filterCriteria).flatMap((extension, index) => {
    const expression = `Subscription.criteria.extension[${index}]`;
    if (typeof extension.valueString !== 'string') throw invalid('A filter criteria extension needs valueString', expression);
    return parseFilterCriteria(extension.valueString, topic, expression);
  });

  const channel = resource.channel;
  if (!channel) throw invalid('channel is required', 'Subscription.channel');
  if (channel.type !== 'rest-hook') throw invalid(`Only rest-hook channels are supported, not ${String(channel.type)}`, 'Subscription.channel.type');
  if (!channel.endpoint) throw invalid('channel.endpoint is required for rest-hook', 'Subscription.channel.endpoint');
  const endpoint = parseEndpointUrl(channel.endpoint);
  if ('error' in endpoint) throw invalid(endpoint.error, 'Subscription.channel.endpoint');

  const contentType = (channel.payload ?? 'application/fhir+json').split(';')[0].trim();
  if (!CONTENT_TYPES.includes(contentType)) throw invalid(`Payload ${contentType} is not supported (use application/fhir+json)`, 'Subscription.channel.payload');
  const payloadElement = (channel as { _payload?: { extension?: Extension[] } })._payload;
  const [content] = extensionsOf(payloadElement, BACKPORT.payloadContent);
  const payload = (content?.valueCode ?? 'id-only') as PayloadContent;
  if (!PAYLOAD_CONTENTS.includes(payload)) {
    throw invalid(`Payload content must be one of ${PAYLOAD_CONTENTS.join(', ')}`, 'Subscription.channel.payload.extension');
  }

  const headers = (channel.header ?? []).map((line, index) => parseHeader(line, `Subscription.channel.header[${index}]`));
  const heartbeatSeconds = boundedInteger(channel, BACKPORT.heartbeatPeriod, 'Subscription.channel.extension(heartbeat-period)', {
    min: 0,
    max: SUBSCRIPTION_LIMITS.heartbeatSeconds.max,
  });
  const timeoutSeconds = boundedInteger(channel, BACKPORT.timeout, 'Subscription.channel.extension(timeout)', SUBSCRIPTION_LIMITS.timeoutSeconds);
  const maxCount = boundedInteger(channel, BACKPORT.maxCount, 'Subscription.channel.extension(max-count)', SUBSCRIPTION_LIMITS.maxCount);

  const [secretExtension, secondSecret] = extensionsOf(channel, WEBHOOK_SECRET_EXTENSION);
  if (secondSecret) throw invalid('Only one webhook secret may be set', 'Subscription.channel.extension(webhook-secret)');
  const secret = secretExtension?.valueString;
  if (secretExtension && (secret === undefined || !webhookKeyOf(secret))) {
    throw invalid('The webhook secret must be whsec_ followed by the base64 of 24 to 64 random bytes', 'Subscription.channel.extension(webhook-secret)');
  }

  if (resource.end !== undefined && Number.isNaN(Date.parse(resource.end))) throw invalid('end must be an instant', 'Subscription.end');
  const requestedStatus = resource.status as SubscriptionStatusCode | undefined;
  return {
    topic,
    filters,
    endpoint: endpoint.url.toString(),
    payload,
    contentType,
    headers,
    heartbeatSeconds: heartbeatSeconds === 0 ? undefined : heartbeatSeconds,
    timeoutSeconds: timeoutSeconds ?? SUBSCRIPTION_LIMITS.timeoutSeconds.default,
    maxCount: maxCount ?? SUBSCRIPTION_LIMITS.maxCount.default,
    end: resource.end && new Date(resource.end).toISOString(),
    requestedStatus,
    secret,
  };
}

function parseHeader(line: string, expression: string): ChannelHeader {
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon).trim() : '';
  const value = colon > 0 ? line.slice(colon + 1).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(value)) throw invalid('A header must look like "Name: value"', expression);
  if (RESERVED_HEADERS.includes(name.toLowerCase())) throw invalid(`Header ${name} is set by the service`, expression);
  return { name, value };
}

/**
 * The Subscription as stored and returned: the client's resource with the server's status (and
 * error), the backport profile declared, and no secret.
 */
export function storedSubscription(resource: Subscription, status: SubscriptionStatusCode, error?: string): Subscription {
  const { error: _previousError, ...rest } = resource;
  void _previousError;
  const channel = resource.channel && {
    ...resource.channel,
    extension: resource.channel.extension?.filter((extension) => extension.url !== WEBHOOK_SECRET_EXTENSION),
  };
  if (channel && channel.extension?.length === 0) delete channel.extension;
  const profiles = resource.meta?.profile ?? [];
  return {
    ...rest,
    meta: { ...resource.meta, profile: profiles.includes(BACKPORT.subscriptionProfile) ? profiles : [...profiles, BACKPORT.subscriptionProfile] },
    status,
    ...(error && { error }),
    ...(channel && { channel }),
  } as Subscription;
}

/** The create (or rotation) answer: the stored Subscription with the secret in its channel, shown once. */
export function withSecretShown(resource: Subscription, secret: string): Subscription {
  if (!resource.channel) return resource;
  return {
    ...resource,
    channel: { ...resource.channel, extension: [...(resource.channel.extension ?? []), { url: WEBHOOK_SECRET_EXTENSION, valueString: secret }] },
  };
}
