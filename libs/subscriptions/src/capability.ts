import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { BACKPORT } from './notification-bundle';
import { SUBSCRIPTION_TOPICS } from './topics';

/**
 * Advertises topic-based Subscriptions in a CapabilityStatement as the backport IG asks for R4:
 * on the Subscription resource, one `capabilitystatement-subscriptiontopic-canonical` extension
 * per topic, the backport profile, and the `$status` and `$events` operations; and the topics
 * themselves readable as Basic (read, search by code/url).
 */
export function advertiseSubscriptionTopics(statement: CapabilityStatement): CapabilityStatement {
  const rest = statement.rest?.[0];
  if (!rest) return statement;
  const resources = (rest.resource ?? []).map((resource): CapabilityStatementRestResource => {
    if (resource.type !== 'Subscription') return resource;
    return {
      ...resource,
      extension: [...(resource.extension ?? []), ...SUBSCRIPTION_TOPICS.map((topic) => ({ url: BACKPORT.topicCanonical, valueCanonical: topic.url }))],
      supportedProfile: [...(resource.supportedProfile ?? []), BACKPORT.subscriptionProfile],
      operation: [
        ...(resource.operation ?? []),
        { name: 'status', definition: BACKPORT.statusOperation },
        { name: 'events', definition: BACKPORT.eventsOperation },
      ],
    };
  });
  const basic: CapabilityStatementRestResource = {
    type: 'Basic',
    profile: 'http://hl7.org/fhir/StructureDefinition/Basic',
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: [
      { name: '_id', type: 'token' },
      { name: 'code', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Basic-code' },
      { name: 'url', type: 'uri' },
    ],
  };
  const withBasic = resources.some((r) => r.type === 'Basic') ? resources : [...resources, basic];
  return { ...statement, rest: [{ ...rest, resource: withBasic }, ...(statement.rest ?? []).slice(1)] };
}
