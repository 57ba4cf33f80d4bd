import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import type { Cwe } from '@liaison/hl7';

/**
 * HL7 v2 tables and the FHIR code systems they map to, as data. Where a v2 code has a FHIR
 * counterpart both codings are kept (the mapped one first); where it has none the v2 code is
 * kept on its own, so nothing the sender said is lost.
 */

export const V2_TABLE = (table: string): string => `http://terminology.hl7.org/CodeSystem/v2-${table}`;
export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const V3_MARITAL_STATUS = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus';
export const V3_NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';
export const V3_PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const V3_ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
export const ADMIT_SOURCE = 'http://terminology.hl7.org/CodeSystem/admit-source';
export const DISCHARGE_DISPOSITION = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';
export const SUBSCRIBER_RELATIONSHIP = 'http://terminology.hl7.org/CodeSystem/subscriber-relationship';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const COVERAGE_CLASS = 'http://terminology.hl7.org/CodeSystem/coverage-class';
/** The UB-04 patient discharge status codes, as Da Vinci STU 1 and STU 1.1 senders write them. */
export const NUBC_DISCHARGE_SYSTEMS: readonly string[] = [
  'http://www.nubc.org/patient-discharge',
  'http://terminology.hl7.org/CodeSystem/nubc-UB92',
  V2_TABLE('0112'),
];

/** Table 0001 administrative sex → Patient.gender. */
export const GENDER: Readonly<Record<string, 'male' | 'female' | 'other' | 'unknown'>> = {
  M: 'male',
  F: 'female',
  O: 'other',
  A: 'other',
  U: 'unknown',
  N: 'unknown',
};

/** Table 0200 name type → HumanName.use (codes without a clear counterpart are left out). */
export const NAME_USE: Readonly<Record<string, 'official' | 'usual' | 'maiden' | 'nickname' | 'anonymous' | 'temp'>> = {
  L: 'official',
  D: 'usual',
  M: 'maiden',
  N: 'nickname',
  S: 'anonymous',
  NB: 'temp',
};

/** Table 0190 address type → Address.use (and `M` mailing → Address.type postal). */
export const ADDRESS_USE: Readonly<Record<string, 'home' | 'work' | 'temp' | 'old' | 'billing'>> = {
  H: 'home',
  P: 'home',
  RH: 'home',
  HOME: 'home',
  B: 'work',
  O: 'work',
  WORK: 'work',
  C: 'temp',
  BA: 'old',
  BI: 'billing',
};

/** Table 0201 telecommunication use → ContactPoint.use. */
export const TELECOM_USE: Readonly<Record<string, 'home' | 'work' | 'temp' | 'mobile'>> = {
  PRN: 'home',
  ORN: 'home',
  HOME: 'home',
  WPN: 'work',
  WORK: 'work',
  VHN: 'temp',
  PRS: 'mobile',
};

/** Table 0202 telecommunication equipment type → ContactPoint.system (CP is a phone whose use is mobile). */
export const TELECOM_SYSTEM: Readonly<Record<string, 'phone' | 'fax' | 'pager' | 'other'>> = {
  PH: 'phone',
  CP: 'phone',
  FX: 'fax',
  BP: 'pager',
  MD: 'other',
  TDD: 'other',
  TTY: 'other',
  SAT: 'other',
};

/** Table 0002 marital status → v3 MaritalStatus. */
export const MARITAL_STATUS: Readonly<Record<string, string>> = {
  A: 'L',
  E: 'L',
  B: 'U',
  C: 'C',
  D: 'D',
  G: 'T',
  P: 'T',
  R: 'T',
  I: 'I',
  M: 'M',
  N: 'A',
  S: 'S',
  W: 'W',
};

/** Table 0004 patient class → Encounter.class (v3 ActCode); a few spellings seen in the field too. */
export const ENCOUNTER_CLASS: Readonly<Record<string, { code: string; display: string }>> = {
  I: { code: 'IMP', display: 'inpatient encounter' },
  IP: { code: 'IMP', display: 'inpatient encounter' },
  B: { code: 'IMP', display: 'inpatient encounter' },
  O: { code: 'AMB', display: 'ambulatory' },
  OP: { code: 'AMB', display: 'ambulatory' },
  R: { code: 'AMB', display: 'ambulatory' },
  E: { code: 'EMER', display: 'emergency' },
  ER: { code: 'EMER', display: 'emergency' },
  ED: { code: 'EMER', display: 'emergency' },
  P: { code: 'PRENC', display: 'pre-admission' },
};

/** Table 0023 admit source (UB-04 point of origin) → admit-source. */
export const ADMIT_SOURCE_CODES: Readonly<Record<string, string>> = {
  '1': 'gp',
  '2': 'outp',
  '4': 'hosp-trans',
  '5': 'nursing',
  '7': 'emd',
  '8': 'other',
};

/**
 * Table 0112 discharge disposition (UB-04 patient status, 2 digits) → discharge-disposition.
 * 06 (home under a home health organisation) is `home` there; the v2 code stays alongside, so
 * home health remains recognisable.
 */
export const DISCHARGE_DISPOSITION_CODES: Readonly<Record<string, { code: string; display: string }>> = {
  '01': { code: 'home', display: 'Home' },
  '06': { code: 'home', display: 'Home' },
  '02': { code: 'other-hcf', display: 'Other healthcare facility' },
  '05': { code: 'other-hcf', display: 'Other healthcare facility' },
  '43': { code: 'other-hcf', display: 'Other healthcare facility' },
  '66': { code: 'other-hcf', display: 'Other healthcare facility' },
  '70': { code: 'other-hcf', display: 'Other healthcare facility' },
  '03': { code: 'snf', display: 'Skilled nursing facility' },
  '61': { code: 'snf', display: 'Skilled nursing facility' },
  '04': { code: 'long', display: 'Long-term care' },
  '63': { code: 'long', display: 'Long-term care' },
  '64': { code: 'long', display: 'Long-term care' },
  '07': { code: 'aadvice', display: 'Left against advice' },
  '20': { code: 'exp', display: 'Expired' },
  '40': { code: 'exp', display: 'Expired' },
  '41': { code: 'exp', display: 'Expired' },
  '42': { code: 'exp', display: 'Expired' },
  '50': { code: 'hosp', display: 'Hospice' },
  '51': { code: 'hosp', display: 'Hospice' },
  '62': { code: 'rehab', display: 'Rehabilitation' },
  '65': { code: 'psy', display: 'Psychiatric hospital' },
  '09': { code: 'oth', display: 'Other' },
  '21': { code: 'oth', display: 'Other' },
};

/** A UB-04 code as two digits (`1` → `01`), as senders write it either way. */
export function twoDigitDisposition(code: string): string {
  return /^\d$/.test(code) ? `0${code}` : code;
}

/** Table 0063 relationship → v3 RoleCode (for RelatedPerson.relationship). */
export const RELATIONSHIP_ROLE: Readonly<Record<string, { code: string; display: string }>> = {
  SPO: { code: 'SPS', display: 'spouse' },
  DOM: { code: 'DOMPART', display: 'domestic partner' },
  CHD: { code: 'CHILD', display: 'child' },
  PAR: { code: 'PRN', display: 'parent' },
  MTH: { code: 'MTH', display: 'mother' },
  FTH: { code: 'FTH', display: 'father' },
  SIB: { code: 'SIB', display: 'sibling' },
  BRO: { code: 'BRO', display: 'brother' },
  SIS: { code: 'SIS', display: 'sister' },
  GRP: { code: 'GRPRN', display: 'grandparent' },
  GRD: { code: 'GUARD', display: 'guardian' },
  FND: { code: 'FRND', display: 'unrelated friend' },
  FRND: { code: 'FRND', display: 'unrelated friend' },
  EXF: { code: 'EXT', display: 'extended family member' },
  SEL: { code: 'ONESELF', display: 'self' },
};

/** Table 0131 contact role, with spellings seen in the field. */
export const CONTACT_ROLE: Readonly<Record<string, { code: string; display: string }>> = {
  C: { code: 'C', display: 'Emergency Contact' },
  EC: { code: 'C', display: 'Emergency Contact' },
  EMERGENCY: { code: 'C', display: 'Emergency Contact' },
  E: { code: 'E', display: 'Employer' },
  F: { code: 'F', display: 'Federal Agency' },
  I: { code: 'I', display: 'Insurance Company' },
  N: { code: 'N', display: 'Next-of-Kin' },
  NK: { code: 'N', display: 'Next-of-Kin' },
  NOK: { code: 'N', display: 'Next-of-Kin' },
  O: { code: 'O', display: 'Other' },
  S: { code: 'S', display: 'State Agency' },
  U: { code: 'U', display: 'Unknown' },
};

/** IN1-17 insured's relationship (table 0063, and X12 individual relationship codes) → subscriber-relationship. */
export const SUBSCRIBER_RELATIONSHIP_CODES: Readonly<Record<string, string>> = {
  SEL: 'self',
  SELF: 'self',
  '18': 'self',
  SPO: 'spouse',
  '01': 'spouse',
  CHD: 'child',
  '19': 'child',
  PAR: 'parent',
  DOM: 'common',
  '53': 'common',
  OTH: 'other',
  G8: 'other',
};

/** Table 0396 coding systems (and common spellings) → FHIR code system URIs. */
export const CODING_SYSTEMS: Readonly<Record<string, string>> = {
  I9: 'http://hl7.org/fhir/sid/icd-9-cm',
  I9C: 'http://hl7.org/fhir/sid/icd-9-cm',
  I9CDX: 'http://hl7.org/fhir/sid/icd-9-cm',
  I9CM: 'http://hl7.org/fhir/sid/icd-9-cm',
  ICD9: 'http://hl7.org/fhir/sid/icd-9-cm',
  I10: 'http://hl7.org/fhir/sid/icd-10-cm',
  I10C: 'http://hl7.org/fhir/sid/icd-10-cm',
  I10CM: 'http://hl7.org/fhir/sid/icd-10-cm',
  ICD10: 'http://hl7.org/fhir/sid/icd-10-cm',
  ICD10CM: 'http://hl7.org/fhir/sid/icd-10-cm',
  I10P: 'http://www.cms.gov/Medicare/Coding/ICD10',
  SCT: 'http://snomed.info/sct',
  SNM: 'http://snomed.info/sct',
  SNOMED: 'http://snomed.info/sct',
  LN: 'http://loinc.org',
  LOINC: 'http://loinc.org',
  NPI: 'http://hl7.org/fhir/sid/us-npi',
};

/** A coding system named in a v2 message as a URI: known ones by table 0396, `HL7nnnn` as the v2 table, others as a local namespace. */
export function codingSystemUri(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const upper = name.trim().toUpperCase();
  if (CODING_SYSTEMS[upper]) return CODING_SYSTEMS[upper];
  const table = /^HL7(\d{4})$/.exec(upper);
  if (table) return V2_TABLE(table[1]);
  return `urn:liaison:hl7:coding-system:${encodeURIComponent(name.trim())}`;
}

/** A CE/CWE as a CodeableConcept: its codings (primary and alternate) and text. */
export function codeableConceptOf(cwe: Cwe | undefined, defaultSystem?: string): CodeableConcept | undefined {
  if (!cwe) return undefined;
  const coding: Coding[] = [];
  const trimmed = (text: string | undefined): string | undefined => text?.trim() || undefined;
  if (trimmed(cwe.code)) {
    coding.push(compact({ system: codingSystemUri(cwe.system) ?? defaultSystem, code: trimmed(cwe.code), display: trimmed(cwe.text) }));
  }
  if (trimmed(cwe.alternateCode)) {
    coding.push(compact({ system: codingSystemUri(cwe.alternateSystem), code: trimmed(cwe.alternateCode), display: trimmed(cwe.alternateText) }));
  }
  const text = trimmed(cwe.text) ?? trimmed(cwe.alternateText);
  if (coding.length === 0 && !text) return undefined;
  return compact({ coding: coding.length > 0 ? coding : undefined, text });
}

/** A coded v2 value as a CodeableConcept: the FHIR coding it maps to (if any) and the v2 coding. */
export function mappedConcept(
  code: string,
  table: string,
  mapped: { system: string; code: string; display?: string } | undefined,
  text?: string,
): CodeableConcept {
  return compact({
    coding: [...(mapped ? [compact(mapped)] : []), { system: V2_TABLE(table), code }],
    text,
  });
}

export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
