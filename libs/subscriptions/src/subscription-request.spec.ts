import { OperationOutcomeError } from '@medplum/core';
import type { Subscription } from '@medplum/fhirtypes';
import { BACKPORT } from './notification-bundle';
import { parseSubscription, storedSubscription, WEBHOOK_SECRET_EXTENSION, withSecretShown } from './subscription-request';
import { webhookSecretOf } from './webhook-signature';

const secret = webhookSecretOf(new Uint8Array(32).fill(3));

function subscription(overrides: Partial<Subscription> & Record<string, unknown> = {}): Subscription {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'r',
    criteria: 'http://liaison.health/fhir/SubscriptionTopic/task-status-changed',
    _criteria: { extension: [{ url: BACKPORT.filterCriteria, valueString: 'Task?owner=Practitioner/1' }] },
    channel: {
      type: 'rest-hook',
      endpoint: 'https://hooks.example/liaison',
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: BACKPORT.payloadContent, valueCode: 'full-resource' }] },
      header: ['Authorization: Bearer abc'],
      extension: [
        { url: BACKPORT.heartbeatPeriod, valueUnsignedInt: 60 },
        { url: BACKPORT.timeout, valueUnsignedInt: 5 },
        { url: BACKPORT.maxCount, valuePositiveInt: 10 },
        { url: WEBHOOK_SECRET_EXTENSION, valueString: secret },
      ],
    },
    ...overrides,
  } as Subscription;
}

function errorOf(resource: Subscription): { text?: string; expression?: string[] } {
  try {
    parseSubscription(resource);
  } catch (error) {
    if (error instanceof OperationOutcomeError) return { text: error.outcome.issue[0].details?.text, expression: error.outcome.issue[0].expression };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseSubscription', () => {
  it('reads a backport Subscription', () => {
    expect(parseSubscription(subscription())).toMatchObject({
      topic: { id: 'task-status-changed' },
      filters: [{ name: 'owner', values: ['Practitioner/1'] }],
      endpoint: 'https://hooks.example/liaison',
      payload: 'full-resource',
      contentType: 'application/fhir+json',
      headers: [{ name: 'Authorization', value: 'Bearer abc' }],
      heartbeatSeconds: 60,
      timeoutSeconds: 5,
      maxCount: 10,
      secret,
      requestedStatus: 'requested',
    });
  });

  it('has defaults: id-only, 10 s, one event per notification, no heartbeat', () => {
    const minimal = { resourceType: 'Subscription', status: 'requested', reason: 'r', criteria: 'http://liaison.health/fhir/SubscriptionTopic/task-created', channel: { type: 'rest-hook', endpoint: 'https://h.example/' } } as Subscription;
    expect(parseSubscription(minimal)).toMatchObject({ payload: 'id-only', timeoutSeconds: 10, maxCount: 1, heartbeatSeconds: undefined, filters: [], secret: undefined });
  });

  it.each<[string, Partial<Subscription> & Record<string, unknown>, string, string]>([
    ['an unknown topic', { criteria: 'http://example.org/SubscriptionTopic/admission' }, 'Unknown SubscriptionTopic', 'Subscription.criteria'],
    ['a filter the topic has not', { _criteria: { extension: [{ url: BACKPORT.filterCriteria, valueString: 'subject=Patient/1' }] } }, 'can be filtered by', 'Subscription.criteria.extension[0]'],
    ['another channel', { channel: { type: 'websocket' } }, 'Only rest-hook', 'Subscription.channel.type'],
    ['no endpoint', { channel: { type: 'rest-hook' } }, 'endpoint is required', 'Subscription.channel.endpoint'],
    ['a mailto endpoint', { channel: { type: 'rest-hook', endpoint: 'mailto:x@y' } }, 'http(s)', 'Subscription.channel.endpoint'],
    ['XML payload', { channel: { type: 'rest-hook', endpoint: 'https://h.example/', payload: 'application/fhir+xml' } }, 'not supported', 'Subscription.channel.payload'],
    [
      'an unknown content',
      { channel: { type: 'rest-hook', endpoint: 'https://h.example/', _payload: { extension: [{ url: BACKPORT.payloadContent, valueCode: 'everything' }] } } as never },
      'Payload content must be',
      'Subscription.channel.payload.extension',
    ],
    ['a reserved header', { channel: { type: 'rest-hook', endpoint: 'https://h.example/', header: ['webhook-id: x'] } }, 'set by the service', 'Subscription.channel.header[0]'],
    [
      'a timeout too long',
      { channel: { type: 'rest-hook', endpoint: 'https://h.example/', extension: [{ url: BACKPORT.timeout, valueUnsignedInt: 600 }] } },
      'from 1 to 60',
      'Subscription.channel.extension(timeout)',
    ],
    [
      'a bad secret',
      { channel: { type: 'rest-hook', endpoint: 'https://h.example/', extension: [{ url: WEBHOOK_SECRET_EXTENSION, valueString: 'hunter2' }] } },
      'whsec_',
      'Subscription.channel.extension(webhook-secret)',
    ],
  ])('refuses %s', (_name, overrides, text, expression) => {
    const error = errorOf(subscription(overrides));
    expect(error.text).toContain(text);
    expect(error.expression).toEqual([expression]);
  });
});

describe('storedSubscription / withSecretShown', () => {
  it('stores the server status, the profile, and never the secret', () => {
    const stored = storedSubscription(subscription({ status: 'active', error: 'old' } as never), 'requested');
    expect(stored.status).toBe('requested');
    expect(stored.error).toBeUndefined();
    expect(stored.meta?.profile).toEqual([BACKPORT.subscriptionProfile]);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.channel.extension).toHaveLength(3);
    expect(withSecretShown(stored, secret).channel.extension).toContainEqual({ url: WEBHOOK_SECRET_EXTENSION, valueString: secret });
  });
});
