import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { Basic } from '@medplum/fhirtypes';
import { SUBSCRIPTION_TOPICS, topicByUrl } from '@liaison/subscriptions';
import { fhirProfilesDir } from '../fhir/definitions/fhir-definitions.service';

const URL_EXTENSION = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.url';

/** The canonical URL a topic's Basic resource declares. */
export function topicUrlOf(basic: Basic): string | undefined {
  return basic.extension?.find((extension) => extension.url === URL_EXTENSION)?.valueUri;
}

/**
 * The SubscriptionTopics the service ships (fhir-profiles/SubscriptionTopic-*.json), in their
 * R4 form: Basic resources with the cross-version SubscriptionTopic extensions, as the
 * Subscriptions Backport IG prescribes. Loaded once; start-up fails if a file and the topic
 * rules (`@liaison/subscriptions`) disagree on which topics exist.
 */
@Injectable()
export class TopicCatalog {
  readonly topics: readonly Basic[];

  constructor() {
    const dir = fhirProfilesDir();
    this.topics = readdirSync(dir)
      .filter((name) => /^SubscriptionTopic-.+\.json$/.test(name))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Basic);
    const shipped = new Set(this.topics.map(topicUrlOf));
    const unknown = this.topics.filter((basic) => !topicByUrl(topicUrlOf(basic) ?? ''));
    const missing = SUBSCRIPTION_TOPICS.filter((topic) => !shipped.has(topic.url));
    if (unknown.length > 0 || missing.length > 0) {
      throw new Error(
        `fhir-profiles/SubscriptionTopic-*.json and @liaison/subscriptions disagree: ` +
          `files without rules: ${unknown.map((b) => b.id).join(', ') || 'none'}; rules without files: ${missing.map((t) => t.id).join(', ') || 'none'}`,
      );
    }
  }

  read(id: string): Basic | undefined {
    return this.topics.find((basic) => basic.id === id);
  }

  /** Search by `_id`, `code` (token; SubscriptionTopic) and `url`; several values of one parameter are ORed. */
  search(query: Record<string, string[]>): Basic[] {
    const values = (name: string): string[] | undefined => query[name]?.flatMap((value) => value.split(','));
    const ids = values('_id');
    const codes = values('code');
    const urls = values('url');
    return this.topics.filter(
      (basic) =>
        (!ids || ids.includes(basic.id ?? '')) &&
        (!urls || urls.includes(topicUrlOf(basic) ?? '')) &&
        (!codes ||
          codes.some((code) => {
            const [system, value] = code.includes('|') ? code.split('|') : [undefined, code];
            return (basic.code.coding ?? []).some((coding) => coding.code === value && (system === undefined || coding.system === system));
          })),
    );
  }
}
