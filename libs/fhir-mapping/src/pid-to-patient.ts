import type { Hl7Segment } from '@medplum/core';
import type { Identifier, Patient } from '@medplum/fhirtypes';
import {
  fieldOf,
  Hl7ErrorCode,
  hl7Warning,
  isNullField,
  readCwe,
  readCx,
  readXad,
  readXpn,
  repetitionsOf,
  valuedRepetitionsOf,
} from '@liaison/hl7';
import { conditionalReference, identifierOfCx } from './identifier-systems';
import {
  addressOf,
  contactPointsOf,
  dateOf,
  dateTimeOf,
  fieldError,
  humanNameOf,
  metaOf,
  readTimestamp,
  type MappingContext,
} from './mapping-context';
import type { ResourceWrite } from './resource-write';
import { compact, GENDER, MARITAL_STATUS, mappedConcept, V3_MARITAL_STATUS } from './v2-tables';

/** Identifier types preferred as a patient's identity, best first (medical record number, patient id). */
const IDENTITY_TYPES = ['MR', 'MRT', 'PI', 'PT', 'PN'];
/** Identifier types never used as identity while another exists (shared or reissued numbers). */
const WEAK_IDENTITY_TYPES = new Set(['SS', 'SSN', 'DL', 'PPN', 'AN', 'VN']);

/** PID-3's identifiers as FHIR Identifiers (`""` and empty repetitions skipped); `location` is `PID` or `PID[2]`. */
export function patientIdentifiers(pid: Hl7Segment, context: MappingContext): Identifier[] {
  return valuedRepetitionsOf(pid, 3)
    .map(readCx)
    .filter((cx) => cx !== undefined)
    .map((cx) => identifierOfCx(cx, context.facility, 'patient'));
}

function typeOf(identifier: Identifier): string | undefined {
  return identifier.type?.coding?.[0]?.code ?? identifier.type?.text?.toUpperCase();
}

/** The identifier a patient is found by: an MR (or PI, PT) if there is one, else the first that is not an SSN, licence or account. */
export function identityOf(identifiers: readonly Identifier[]): Identifier {
  for (const type of IDENTITY_TYPES) {
    const found = identifiers.find((i) => typeOf(i) === type);
    if (found) return found;
  }
  return identifiers.find((i) => !WEAK_IDENTITY_TYPES.has(typeOf(i) ?? '')) ?? identifiers[0];
}

/**
 * PID → Patient: identifiers (PID-3), names (PID-5), birth date (PID-7), sex (PID-8),
 * addresses (PID-11), phones and e-mail (PID-13 home, PID-14 work), marital status (PID-16),
 * death (PID-29 date/time, PID-30 indicator). A field sent as `""` is listed in the write's
 * `nulls`, so the stored value is cleared. No usable PID-3, or a PID-7/PID-29 that is not a
 * date, is an `AE` naming the field.
 */
export function mapPatient(pid: Hl7Segment, location: string, context: MappingContext): ResourceWrite<Patient> {
  const identifiers = patientIdentifiers(pid, context);
  if (identifiers.length === 0) {
    throw fieldError(`${location}-3`, `${location}-3 (patient identifier list) holds no identifier`, Hl7ErrorCode.requiredFieldMissing);
  }
  const nulls: string[] = [];
  const nullable = (field: number, element: string): boolean => {
    const isNull = isNullField(pid, field);
    if (isNull) nulls.push(element);
    return isNull;
  };

  const names = valuedRepetitionsOf(pid, 5)
    .map(readXpn)
    .filter((n) => n !== undefined)
    .map(humanNameOf);
  nullable(5, 'name');

  const birth = readTimestamp(pid, 7, `${location}-7`);
  nullable(7, 'birthDate');

  const sexCode = fieldOf(pid, 8).text(1)?.trim().toUpperCase();
  const gender = sexCode ? GENDER[sexCode] : undefined;
  if (sexCode && !gender) context.warnings.push(hl7Warning(`${location}-8 holds a code not in table 0001; sex not mapped`, `${location}-8`));
  nullable(8, 'gender');

  const addresses = valuedRepetitionsOf(pid, 11)
    .map(readXad)
    .filter((a) => a !== undefined)
    .map(addressOf);
  nullable(11, 'address');

  const telecom = [...contactPointsOf(valuedRepetitionsOf(pid, 13), 'home'), ...contactPointsOf(valuedRepetitionsOf(pid, 14), 'work')];
  if (telecom.length === 0 && (isNullField(pid, 13) || isNullField(pid, 14))) nulls.push('telecom');

  const marital = readCwe(fieldOf(pid, 16));
  const maritalCode = marital?.code?.trim().toUpperCase();
  const maritalStatus = maritalCode
    ? mappedConcept(maritalCode, '0002', MARITAL_STATUS[maritalCode] ? { system: V3_MARITAL_STATUS, code: MARITAL_STATUS[maritalCode] } : undefined, marital?.text)
    : undefined;
  nullable(16, 'maritalStatus');

  const death = readTimestamp(pid, 29, `${location}-29`);
  const deathIndicator = fieldOf(pid, 30).text(1)?.trim().toUpperCase();
  let deceased: Pick<Patient, 'deceasedDateTime' | 'deceasedBoolean'> = {};
  if (death) {
    deceased = { deceasedDateTime: dateTimeOf(death, context) };
    nulls.push('deceasedBoolean');
  } else if (deathIndicator === 'Y' || deathIndicator === 'N') {
    deceased = { deceasedBoolean: deathIndicator === 'Y' };
    nulls.push('deceasedDateTime');
  } else if (death === null || isNullField(pid, 30)) {
    nulls.push('deceasedDateTime', 'deceasedBoolean');
  }

  const identity = identityOf(identifiers);
  const resource: Patient = compact({
    resourceType: 'Patient' as const,
    meta: metaOf(context),
    identifier: identifiers,
    name: names.length > 0 ? names : undefined,
    gender,
    birthDate: dateOf(birth),
    address: addresses.length > 0 ? addresses : undefined,
    telecom: telecom.length > 0 ? telecom : undefined,
    maritalStatus,
    ...deceased,
  });
  return {
    key: conditionalReference('Patient', identity),
    resource,
    match: [identity, ...identifiers.filter((i) => i !== identity && !WEAK_IDENTITY_TYPES.has(typeOf(i) ?? ''))],
    mode: 'merge',
    nulls: unique(nulls),
    createDefaults: { active: true },
  };
}

/** MRG-1: the identifiers of the patient an A40 replaces (resolved with the same systems as PID-3). */
export function replacedPatientIdentifiers(mrg: Hl7Segment, location: string, context: MappingContext): Identifier[] {
  const identifiers = repetitionsOf(mrg, 1)
    .filter((r) => !r.isEmpty && !r.isNull)
    .map(readCx)
    .filter((cx) => cx !== undefined)
    .map((cx) => identifierOfCx(cx, context.facility, 'patient'));
  if (identifiers.length === 0) {
    throw fieldError(`${location}-1`, `${location}-1 (prior patient identifier list) holds no identifier`, Hl7ErrorCode.requiredFieldMissing);
  }
  return identifiers;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
