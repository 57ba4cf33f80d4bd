import type { Identifier, Patient, PatientLink } from '@medplum/fhirtypes';

/**
 * A40 merge as data (FHIR Patient.link, as `$merge` does it): the replaced record becomes
 * inactive and points `replaced-by` at the survivor, its identifiers marked `old` (so they no
 * longer claim uniqueness); the survivor points `replaces` at it and takes those identifiers,
 * so later messages that still carry the old number find the survivor.
 */
export function retireMergedPatient(replaced: Patient, survivorReference: string): Patient {
  return {
    ...replaced,
    active: false,
    identifier: (replaced.identifier ?? []).map((identifier) => ({ ...identifier, use: 'old' as const })),
    link: withLink(replaced.link, { other: { reference: survivorReference }, type: 'replaced-by' }),
  };
}

/**
 * `replacedReference` undefined: the replaced record is not stored here (an A40 for a patient
 * this receiver never saw); the survivor still takes its identifiers, without a link.
 */
export function absorbMergedPatient(survivor: Patient, replacedReference: string | undefined, replacedIdentifiers: readonly Identifier[]): Patient {
  const keyOf = (i: Identifier): string => `${i.system ?? ''}|${i.value ?? ''}`;
  const own = new Set((survivor.identifier ?? []).map(keyOf));
  const taken = replacedIdentifiers.filter((i) => !own.has(keyOf(i))).map(({ use: _use, ...identifier }) => identifier);
  return {
    ...survivor,
    identifier: [...(survivor.identifier ?? []), ...taken],
    ...(replacedReference && { link: withLink(survivor.link, { other: { reference: replacedReference }, type: 'replaces' }) }),
  };
}

/**
 * A resource whose references to `from` (`Patient/1`, or an absolute URL ending in it) now
 * point at `to`, as a merge moves what pointed at the replaced patient; `changed` false when
 * nothing pointed at it. Other references, displays and everything else are kept.
 */
export function retargetReferences<T extends object>(resource: T, from: string, to: string): { resource: T; changed: boolean } {
  let changed = false;
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value !== 'object' || value === null) return value;
    const result: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(value)) {
      if (name === 'reference' && typeof child === 'string' && (child === from || child.endsWith(`/${from}`))) {
        result[name] = to;
        changed = true;
      } else {
        result[name] = visit(child);
      }
    }
    return result;
  };
  const moved = visit(resource) as T;
  return { resource: changed ? moved : resource, changed };
}

function withLink(links: readonly PatientLink[] | undefined, link: PatientLink): PatientLink[] {
  const others = (links ?? []).filter((l) => l.other.reference !== link.other.reference);
  return [...others, link];
}
