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

export function absorbMergedPatient(survivor: Patient, replacedReference: string, replacedIdentifiers: readonly Identifier[]): Patient {
  const keyOf = (i: Identifier): string => `${i.system ?? ''}|${i.value ?? ''}`;
  const own = new Set((survivor.identifier ?? []).map(keyOf));
  const taken = replacedIdentifiers.filter((i) => !own.has(keyOf(i))).map(({ use: _use, ...identifier }) => identifier);
  return {
    ...survivor,
    identifier: [...(survivor.identifier ?? []), ...taken],
    link: withLink(survivor.link, { other: { reference: replacedReference }, type: 'replaces' }),
  };
}

function withLink(links: readonly PatientLink[] | undefined, link: PatientLink): PatientLink[] {
  const others = (links ?? []).filter((l) => l.other.reference !== link.other.reference);
  return [...others, link];
}
