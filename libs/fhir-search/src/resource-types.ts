/**
 * The FHIR R4 resource types Liaison stores and serves (issue 3). `Bundle` is accepted only as a
 * batch/transaction request, never stored, so it is listed apart.
 */
export const FHIR_RESOURCE_TYPES = [
  'Patient',
  'Encounter',
  'CarePlan',
  'Task',
  'ServiceRequest',
  'Coverage',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'CareTeam',
  'RelatedPerson',
  'Condition',
  'Communication',
  'PlanDefinition',
  'Endpoint',
  'Subscription',
] as const;

export type FhirResourceType = (typeof FHIR_RESOURCE_TYPES)[number];

/** The request-only type: batch and transaction Bundles posted to the base URL. */
export const FHIR_BUNDLE_TYPE = 'Bundle';

const KNOWN: ReadonlySet<string> = new Set(FHIR_RESOURCE_TYPES);

export function isFhirResourceType(value: string): value is FhirResourceType {
  return KNOWN.has(value);
}
