import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evalFhirPath } from '@medplum/core';
import type { Basic } from '@medplum/fhirtypes';
import { SUBSCRIPTION_TOPICS } from './topics';
import { TOPIC_CASES } from './testing/topic-cases';

const DIR = join(__dirname, '..', '..', '..', 'fhir-profiles');
const X5 = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic';
const X43 = 'http://hl7.org/fhir/4.3/StructureDefinition/extension-SubscriptionTopic';

const files: Basic[] = readdirSync(DIR)
  .filter((name) => /^SubscriptionTopic-.+\.json$/.test(name))
  .map((name) => JSON.parse(readFileSync(join(DIR, name), 'utf8')) as Basic);

function ext(basic: Basic, url: string) {
  return (basic.extension ?? []).filter((e) => e.url === url);
}

/** The shipped Basic resources (fhir-profiles/) say what the rules in topics.ts do. */
describe('fhir-profiles/SubscriptionTopic-*.json', () => {
  it('ships one R4 topic (Basic, code SubscriptionTopic) per rule, with the same url', () => {
    expect(files.map((b) => ext(b, `${X5}.url`)[0]?.valueUri).sort()).toEqual(SUBSCRIPTION_TOPICS.map((t) => t.url).sort());
    for (const basic of files) {
      expect(basic.resourceType).toBe('Basic');
      expect(basic.code.coding).toEqual([{ system: 'http://hl7.org/fhir/fhir-types', code: 'SubscriptionTopic' }]);
      expect(ext(basic, `${X5}.url`)[0]?.valueUri).toMatch(new RegExp(`/${basic.id}$`));
    }
  });

  it.each(SUBSCRIPTION_TOPICS.map((topic) => [topic.id, topic] as const))('%s: resource, filters and FHIRPath criteria agree with the rule', (_id, topic) => {
    const basic = files.find((b) => ext(b, `${X5}.url`)[0]?.valueUri === topic.url)!;
    const trigger = ext(basic, `${X43}.resourceTrigger`)[0].extension ?? [];
    expect(trigger.find((e) => e.url === 'resource')?.valueUri).toBe(`http://hl7.org/fhir/StructureDefinition/${topic.resourceType}`);
    const filters = ext(basic, `${X43}.canFilterBy`).map((e) => e.extension?.find((x) => x.url === 'filterParameter')?.valueString);
    expect(filters).toEqual([...topic.filters]);
    const criteria = trigger.find((e) => e.url === 'fhirPathCriteria')?.valueString ?? '';
    const expression = criteria.replace(/%current/g, 'current').replace(/%previous/g, 'previous');
    for (const { change } of TOPIC_CASES.filter((c) => c.change.resourceType === topic.resourceType)) {
      const [result] = evalFhirPath(expression, { current: change.current, previous: change.previous });
      expect({ change, matches: result === true }).toEqual({ change, matches: topic.matches(change) });
    }
  });
});
