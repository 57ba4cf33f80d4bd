import type { Coding, Resource } from '@medplum/fhirtypes';

/** The tag a server puts on a resource it returns incomplete (R4 §3.1.1.5.8). */
export const SUBSETTED_TAG: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'Resource encoded in summary mode',
};

/** Always kept, whatever is asked for. */
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/** The R4 data types a choice element (`value[x]`) can take, as they end its JSON name. */
const CHOICE_TYPES = new Set(
  (
    'Base64Binary Boolean Canonical Code Date DateTime Decimal Id Instant Integer Markdown Oid PositiveInt String Time ' +
    'UnsignedInt Uri Url Uuid Address Age Annotation Attachment CodeableConcept Coding ContactPoint Count Distance ' +
    'Duration HumanName Identifier Money Period Quantity Range Ratio Reference SampledData Signature Timing ' +
    'ContactDetail Contributor DataRequirement Expression ParameterDefinition RelatedArtifact TriggerDefinition ' +
    'UsageContext Dosage Meta'
  ).split(' '),
);

function keeps(names: ReadonlySet<string>, key: string): boolean {
  if (names.has(key)) return true;
  // A choice element is asked for by its base name: `deceased` keeps `deceasedBoolean`.
  for (const name of names) {
    if (key.startsWith(name) && CHOICE_TYPES.has(key.slice(name.length))) return true;
  }
  return false;
}

function subset<T extends Resource>(resource: T, keep: (key: string) => boolean): T {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    if (ALWAYS.has(key) || keep(key)) result[key] = value;
  }
  const meta = { ...resource.meta, tag: [...(resource.meta?.tag ?? []), SUBSETTED_TAG] };
  return { ...result, meta } as T;
}

/** `_elements=a,b`: only those top-level elements (plus id and meta), tagged SUBSETTED. */
export function selectElements<T extends Resource>(resource: T, elements: readonly string[]): T {
  const names = new Set(elements);
  return subset(resource, (key) => keeps(names, key));
}

/**
 * `_summary`: `true` keeps the elements the base definition marks as summary; `data` drops the
 * narrative; `text` keeps the narrative (and id, meta). `false` returns the resource unchanged.
 */
export function summarize<T extends Resource>(resource: T, mode: 'true' | 'false' | 'text' | 'data', summaryElements: ReadonlySet<string>): T {
  switch (mode) {
    case 'false':
      return resource;
    case 'data':
      return subset(resource, (key) => key !== 'text');
    case 'text':
      return subset(resource, (key) => key === 'text');
    case 'true':
      return subset(resource, (key) => keeps(summaryElements, key));
  }
}
