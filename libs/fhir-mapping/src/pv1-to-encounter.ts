import type { Hl7Segment } from '@medplum/core';
import type { Coding, Encounter, EncounterLocation, EncounterParticipant, Identifier, Location, Practitioner, Reference } from '@medplum/fhirtypes';
import {
  fieldOf,
  hl7Warning,
  isNullField,
  readCwe,
  readCx,
  readPl,
  readXcn,
  valuedRepetitionsOf,
  type Pl,
  type Xcn,
} from '@liaison/hl7';
import type { AdtEventRule } from './adt-event';
import { conditionalReference, facilitySystem, identifierOfCx, identifierType, NPI_SYSTEM, systemOfAuthority } from './identifier-systems';
import { dateTimeOf, humanNameOf, metaOf, readTimestamp, type MappingContext } from './mapping-context';
import type { ResourceWrite } from './resource-write';
import {
  ADMIT_SOURCE,
  ADMIT_SOURCE_CODES,
  codeableConceptOf,
  compact,
  DISCHARGE_DISPOSITION,
  DISCHARGE_DISPOSITION_CODES,
  ENCOUNTER_CLASS,
  mappedConcept,
  twoDigitDisposition,
  V2_TABLE,
  V3_ACT_CODE,
  V3_NULL_FLAVOR,
  V3_PARTICIPATION_TYPE,
} from './v2-tables';

/** PV1 clinician fields and their participation types. */
const PARTICIPANTS: readonly { field: number; code: string; display: string }[] = [
  { field: 7, code: 'ATND', display: 'attender' },
  { field: 17, code: 'ADM', display: 'admitter' },
  { field: 8, code: 'REF', display: 'referrer' },
  { field: 9, code: 'CON', display: 'consultant' },
];

/** Table 0007 admission type → v3 ActPriority. */
const PRIORITY: Readonly<Record<string, string>> = { E: 'EM', A: 'EM', U: 'UR', R: 'R', C: 'EL' };

export interface EncounterMapping {
  readonly encounter: ResourceWrite<Encounter>;
  /** Clinicians named in PV1, each once (create-if-absent). */
  readonly practitioners: readonly ResourceWrite<Practitioner>[];
}

export interface EncounterInputs {
  readonly pv1: Hl7Segment;
  readonly pv2?: Hl7Segment;
  readonly pid: Hl7Segment;
  /** A06/A07: the prior visit (MRG-5) and account (MRG-3) numbers find the encounter too. */
  readonly mrg?: Hl7Segment;
  readonly patientKey: string;
  readonly rule: AdtEventRule;
}

/**
 * The identifiers an encounter is found by: the visit number PV1-19, else the account number
 * PID-18 (both with their assigning authority, or scoped to the facility); then, for a class
 * change, the prior numbers in MRG.
 */
export function encounterIdentifiers(pv1: Hl7Segment, pid: Hl7Segment, mrg: Hl7Segment | undefined, context: MappingContext): Identifier[] {
  const withType = (identifier: Identifier, type: string): Identifier => ({ ...identifier, type: identifier.type ?? identifierType(type) });
  const cxOf = (segment: Hl7Segment, field: number) => readCx(fieldOf(segment, field));
  const visit = cxOf(pv1, 19);
  const account = cxOf(pid, 18);
  const identifiers: Identifier[] = [];
  if (visit) identifiers.push(withType(identifierOfCx(visit, context.facility, 'visit'), 'VN'));
  else if (account) identifiers.push(withType(identifierOfCx(account, context.facility, 'account'), 'AN'));
  if (mrg) {
    const priorVisit = cxOf(mrg, 5);
    const priorAccount = cxOf(mrg, 3);
    if (priorVisit) identifiers.push(withType(identifierOfCx(priorVisit, context.facility, 'visit'), 'VN'));
    if (priorAccount) identifiers.push(withType(identifierOfCx(priorAccount, context.facility, 'account'), 'AN'));
  }
  return identifiers;
}

/**
 * PV1/PV2 → Encounter: class (PV1-2), status (by event), period (PV1-44 admit, PV1-45
 * discharge; PV2-8 expected admission for a pre-admit), location (PV1-3; PV1-6 as the completed
 * prior location of a transfer), participants (PV1-7 attending, PV1-17 admitting, PV1-8
 * referring, PV1-9 consulting, each a Practitioner found by identifier), service (PV1-10),
 * priority (PV1-4), admit source (PV1-14), discharge disposition (PV1-36), reason (PV2-3).
 */
export function mapEncounter(inputs: EncounterInputs, context: MappingContext): EncounterMapping {
  const { pv1, pv2, pid, mrg, patientKey, rule } = inputs;
  const nulls: string[] = [...(rule.clears ?? [])];
  const identifiers = encounterIdentifiers(pv1, pid, mrg, context);
  if (identifiers.length === 0) {
    context.warnings.push(hl7Warning('No visit number (PV1-19) nor account number (PID-18): the encounter cannot be matched to a stored one', 'PV1-19'));
  }

  const classCode = fieldOf(pv1, 2).text(1)?.trim().toUpperCase();
  const mappedClass = classCode ? ENCOUNTER_CLASS[classCode] : undefined;
  const encounterClass: Coding | undefined = classCode
    ? mappedClass
      ? { system: V3_ACT_CODE, code: mappedClass.code, display: mappedClass.display }
      : { system: V2_TABLE('0004'), code: classCode }
    : undefined;

  const admitted = readTimestamp(pv1, 44, 'PV1-44');
  const discharged = readTimestamp(pv1, 45, 'PV1-45');
  const expectedAdmit = rule.encounterStatus === 'planned' && pv2 ? readTimestamp(pv2, 8, 'PV2-8') : undefined;
  if (admitted === null) nulls.push('period.start');
  if (discharged === null) nulls.push('period.end');
  const clears = new Set(rule.clears ?? []);
  const start = dateTimeOf(admitted ?? expectedAdmit, context);
  const end = clears.has('period.end') ? undefined : dateTimeOf(discharged, context);

  const practitioners = new Map<string, ResourceWrite<Practitioner>>();
  const participant: EncounterParticipant[] = [];
  for (const { field, code, display } of PARTICIPANTS) {
    for (const repetition of valuedRepetitionsOf(pv1, field)) {
      const xcn = readXcn(repetition);
      if (!xcn) continue;
      const write = practitionerWrite(xcn, context);
      if (write) practitioners.set(write.key, practitioners.get(write.key) ?? write);
      const name = humanNameOf(xcn.name);
      const nameText = [name.prefix?.join(' '), name.given?.join(' '), name.family].filter(Boolean).join(' ') || undefined;
      participant.push({
        type: [{ coding: [{ system: V3_PARTICIPATION_TYPE, code, display }] }],
        individual: compact({ reference: write?.key, display: nameText }) as Reference<Practitioner>,
      });
    }
  }

  const location: EncounterLocation[] = [];
  const current = readPl(fieldOf(pv1, 3));
  if (current) {
    const status = rule.action === 'discharge' ? 'completed' : rule.encounterStatus === 'planned' ? 'planned' : 'active';
    location.push({ location: locationReference(current, context), status });
  }
  const prior = rule.action === 'transfer' ? readPl(fieldOf(pv1, 6)) : undefined;
  if (prior) location.push({ location: locationReference(prior, context), status: 'completed' });

  const admitSource = fieldOf(pv1, 14).text(1)?.trim();
  const disposition = fieldOf(pv1, 36).text(1)?.trim();
  if (isNullField(pv1, 36)) nulls.push('hospitalization.dischargeDisposition');
  const hospitalization = compact({
    admitSource: admitSource
      ? mappedConcept(admitSource, '0023', ADMIT_SOURCE_CODES[admitSource] ? { system: ADMIT_SOURCE, code: ADMIT_SOURCE_CODES[admitSource] } : undefined)
      : undefined,
    dischargeDisposition:
      disposition && !clears.has('hospitalization.dischargeDisposition') ? dischargeDispositionOf(disposition, fieldOf(pv1, 36).text(2)) : undefined,
  });

  const service = fieldOf(pv1, 10).text(1)?.trim();
  const priority = fieldOf(pv1, 4).text(1)?.trim().toUpperCase();
  const reason = pv2 ? codeableConceptOf(readCwe(fieldOf(pv2, 3))) : undefined;

  const resource: Encounter = compact({
    resourceType: 'Encounter' as const,
    meta: metaOf(context),
    identifier: identifiers.length > 0 ? identifiers : undefined,
    status: rule.encounterStatus as Encounter['status'],
    class: encounterClass as Coding,
    priority: priority
      ? mappedConcept(priority, '0007', PRIORITY[priority] ? { system: 'http://terminology.hl7.org/CodeSystem/v3-ActPriority', code: PRIORITY[priority] } : undefined)
      : undefined,
    serviceType: service ? { coding: [{ system: V2_TABLE('0069'), code: service }] } : undefined,
    subject: { reference: patientKey },
    participant: participant.length > 0 ? participant : undefined,
    period: start || end ? compact({ start, end }) : undefined,
    reasonCode: reason ? [reason] : undefined,
    hospitalization: Object.keys(hospitalization).length > 0 ? hospitalization : undefined,
    location: location.length > 0 ? location : undefined,
  });

  const createDefaults: Partial<Encounter> = {};
  if (!resource.status) createDefaults.status = end ? 'finished' : 'in-progress';
  if (!resource.class) createDefaults.class = { system: V3_NULL_FLAVOR, code: 'UNK', display: 'unknown' };

  return {
    encounter: {
      key: identifiers.length > 0 ? conditionalReference('Encounter', identifiers[0]) : 'local:Encounter/1',
      resource,
      match: identifiers,
      mode: 'merge',
      nulls: [...new Set(nulls)],
      ...(Object.keys(createDefaults).length > 0 && { createDefaults }),
    },
    practitioners: [...practitioners.values()],
  };
}

/** PV1-36 as the FHIR discharge disposition it maps to (where it does) and the table 0112 code. */
export function dischargeDispositionOf(code: string, text?: string) {
  const mapped = DISCHARGE_DISPOSITION_CODES[twoDigitDisposition(code)];
  return mappedConcept(code, '0112', mapped ? { system: DISCHARGE_DISPOSITION, ...mapped } : undefined, text ?? mapped?.display);
}

/** A PL as a logical reference: display `point of care, room, bed`, identifier scoped to the facility. */
function locationReference(pl: Pl, context: MappingContext): Reference<Location> {
  const parts = [pl.pointOfCare, pl.room, pl.bed].filter(Boolean);
  const display = [...parts, pl.building, pl.floor].filter(Boolean).join(', ') || pl.description;
  const facility = pl.facility?.namespaceId ?? pl.facility?.universalId ?? context.facility;
  return compact({
    identifier: parts.length > 0 ? { system: facilitySystem(facility, 'location'), value: parts.join('/') } : undefined,
    display,
  });
}

/** A clinician with an identifier as a Practitioner to create if absent (XCN-9 authority, else NPI by XCN-13, else the facility's). */
function practitionerWrite(xcn: Xcn, context: MappingContext): ResourceWrite<Practitioner> | undefined {
  if (!xcn.id) return undefined;
  const type = xcn.typeCode?.toUpperCase();
  const system = systemOfAuthority(xcn.assigningAuthority) ?? (type === 'NPI' ? NPI_SYSTEM : facilitySystem(context.facility, 'practitioner'));
  const identifier: Identifier = compact({ type: identifierType(xcn.typeCode), system, value: xcn.id.trim() });
  const name = humanNameOf(xcn.name);
  return {
    key: conditionalReference('Practitioner', identifier),
    resource: compact({
      resourceType: 'Practitioner' as const,
      meta: metaOf(context),
      identifier: [identifier],
      name: name.family || name.given ? [name] : undefined,
    }),
    match: [identifier],
    mode: 'create-if-absent',
    nulls: [],
  };
}

