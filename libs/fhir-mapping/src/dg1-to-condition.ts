import type { Hl7Segment } from '@medplum/core';
import type { Condition, Identifier } from '@medplum/fhirtypes';
import { fieldOf, hl7Warning, readCwe } from '@liaison/hl7';
import { conditionalReference, systemOfAuthority } from './identifier-systems';
import { dateTimeOf, metaOf, readTimestamp, type MappingContext } from './mapping-context';
import type { ResourceWrite } from './resource-write';
import { codeableConceptOf, codingSystemUri, compact, CONDITION_CATEGORY, CONDITION_VERIFICATION } from './v2-tables';

/** DG1-6 diagnosis type (table 0052) → verification status: a final diagnosis is confirmed, admitting and working ones provisional. */
const VERIFICATION: Readonly<Record<string, string>> = { F: 'confirmed', W: 'provisional', A: 'provisional' };

/**
 * DG1 → Condition, an encounter diagnosis: code (DG1-3, its coding system from DG1-3.3 or the
 * older DG1-2; DG1-4 as text), recorded date (DG1-5), verification (DG1-6). Found by DG1-20
 * (diagnosis identifier, v2.5+) when sent, else by encounter and set id (DG1-1).
 */
export function mapCondition(
  dg1: Hl7Segment,
  location: string,
  ordinal: number,
  refs: { readonly patientKey: string; readonly encounterKey: string; readonly encounterIdentity?: Identifier },
  context: MappingContext,
): ResourceWrite<Condition> | undefined {
  const code = codeableConceptOf(readCwe(fieldOf(dg1, 3)), codingSystemUri(fieldOf(dg1, 2).text(1)));
  const description = fieldOf(dg1, 4).text(1)?.trim();
  const concept = code ?? (description ? { text: description } : undefined);
  if (!concept) {
    context.warnings.push(hl7Warning(`${location} has no diagnosis code (DG1-3) nor description (DG1-4): no Condition`, `${location}-3`));
    return undefined;
  }
  if (!concept.text && description) concept.text = description;

  const declared = fieldOf(dg1, 20);
  const declaredId = declared.text(1)?.trim();
  const setId = fieldOf(dg1, 1).text(1)?.trim() || String(ordinal);
  const scope = refs.encounterIdentity ? `${refs.encounterIdentity.system}|${refs.encounterIdentity.value}` : context.source;
  const identity: Identifier = declaredId
    ? {
        system:
          systemOfAuthority({ namespaceId: declared.text(2), universalId: declared.text(3), universalIdType: declared.text(4) }) ??
          `urn:liaison:hl7:facility:${encodeURIComponent(context.facility)}:diagnosis`,
        value: declaredId,
      }
    : { system: `urn:liaison:hl7:diagnosis:${encodeURIComponent(scope)}`, value: setId };

  const type = fieldOf(dg1, 6).text(1)?.trim().toUpperCase();
  const verification = type ? VERIFICATION[type] : undefined;
  return {
    key: conditionalReference('Condition', identity),
    resource: compact({
      resourceType: 'Condition' as const,
      meta: metaOf(context),
      identifier: [identity],
      verificationStatus: verification ? { coding: [{ system: CONDITION_VERIFICATION, code: verification }] } : undefined,
      category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
      code: concept,
      subject: { reference: refs.patientKey },
      encounter: { reference: refs.encounterKey },
      recordedDate: dateTimeOf(readTimestamp(dg1, 5, `${location}-5`), context),
    }),
    match: [identity],
    mode: 'merge',
    nulls: [],
  };
}
