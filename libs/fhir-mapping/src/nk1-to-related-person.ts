import type { Hl7Segment } from '@medplum/core';
import type { CodeableConcept, Identifier, RelatedPerson } from '@medplum/fhirtypes';
import { fieldOf, hl7Warning, readCwe, readCx, readXad, readXpn, valuedRepetitionsOf } from '@liaison/hl7';
import { conditionalReference, identifierOfCx } from './identifier-systems';
import { addressOf, contactPointsOf, dateOf, humanNameOf, metaOf, readTimestamp, type MappingContext } from './mapping-context';
import type { ResourceWrite } from './resource-write';
import { compact, CONTACT_ROLE, mappedConcept, RELATIONSHIP_ROLE, V2_TABLE, V3_ROLE_CODE } from './v2-tables';

/**
 * NK1 → RelatedPerson: name (NK1-2), relationship (NK1-3, table 0063, with its v3 RoleCode),
 * contact role (NK1-7, table 0131), address (NK1-4), phones (NK1-5 home, NK1-6 work), period
 * (NK1-8/9). Found by NK1-33 when the sender identifies the person, else by patient and set id
 * (NK1-1): HL7 resends the whole NK1 list, so the n-th contact of a patient is updated in
 * place. An NK1 that names no person (an employer, NK1-13) is not a RelatedPerson.
 */
export function mapRelatedPerson(
  nk1: Hl7Segment,
  location: string,
  ordinal: number,
  patient: { readonly key: string; readonly identity: Identifier },
  context: MappingContext,
): ResourceWrite<RelatedPerson> | undefined {
  const names = valuedRepetitionsOf(nk1, 2)
    .map(readXpn)
    .filter((n) => n !== undefined)
    .map(humanNameOf);
  if (names.length === 0) {
    context.warnings.push(hl7Warning(`${location} names no person (NK1-2): no RelatedPerson`, `${location}-2`));
    return undefined;
  }
  const declared = valuedRepetitionsOf(nk1, 33).map(readCx).find((cx) => cx !== undefined);
  const setId = fieldOf(nk1, 1).text(1)?.trim() || String(ordinal);
  const identity: Identifier = declared
    ? identifierOfCx(declared, context.facility, 'related-person')
    : {
        system: `urn:liaison:hl7:next-of-kin:${encodeURIComponent(`${patient.identity.system}|${patient.identity.value}`)}`,
        value: setId,
      };

  const relationship: CodeableConcept[] = [];
  const related = readCwe(fieldOf(nk1, 3));
  const relatedCode = related?.code?.trim().toUpperCase();
  if (relatedCode) {
    const role = RELATIONSHIP_ROLE[relatedCode];
    relationship.push(mappedConcept(relatedCode, '0063', role ? { system: V3_ROLE_CODE, ...role } : undefined, related?.text));
  }
  const contact = readCwe(fieldOf(nk1, 7));
  const contactCode = contact?.code?.trim().toUpperCase();
  if (contactCode) {
    const role = CONTACT_ROLE[contactCode];
    relationship.push(
      role
        ? compact({ coding: [{ system: V2_TABLE('0131'), ...role }], text: contact?.text })
        : compact({ text: contact?.text ?? contactCode }),
    );
  }
  const start = dateOf(readTimestamp(nk1, 8, `${location}-8`));
  const end = dateOf(readTimestamp(nk1, 9, `${location}-9`));
  const addresses = valuedRepetitionsOf(nk1, 4)
    .map(readXad)
    .filter((a) => a !== undefined)
    .map(addressOf);
  const telecom = [...contactPointsOf(valuedRepetitionsOf(nk1, 5), 'home'), ...contactPointsOf(valuedRepetitionsOf(nk1, 6), 'work')];

  return {
    key: conditionalReference('RelatedPerson', identity),
    resource: compact({
      resourceType: 'RelatedPerson' as const,
      meta: metaOf(context),
      identifier: [identity],
      active: true,
      patient: { reference: patient.key },
      relationship: relationship.length > 0 ? relationship : undefined,
      name: names,
      telecom: telecom.length > 0 ? telecom : undefined,
      address: addresses.length > 0 ? addresses : undefined,
      period: start || end ? compact({ start, end }) : undefined,
    }),
    match: [identity],
    mode: 'merge',
    nulls: [],
  };
}
