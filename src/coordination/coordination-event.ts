import type { Encounter, Patient } from '@medplum/fhirtypes';
import type { CoordinationEventKind } from '@liaison/protocols';

/**
 * What a door (ingest, FHIR notification, a job) tells coordination happened: the event kind,
 * when, and the ids of the resources it concerns, already written through FhirStore in the
 * caller's transaction. Ids are FHIR logical ids (not references).
 */
export interface CoordinationEventInput {
  readonly kind: CoordinationEventKind;
  /** When it happened (a FHIR instant with offset), e.g. the discharge time: due times count from it. */
  readonly occurredAt: string;
  readonly patientId: string;
  readonly encounterId?: string;
  /** For `patient.merged`: the id of the patient merged into `patientId`. */
  readonly mergedPatientId?: string;
  readonly coverageId?: string;
  /** Where it came from, for audit (e.g. `mllp:HOSP/MSG00001`, `fhir`). */
  readonly source: string;
  /**
   * Optional: the Patient `patientId` and the Encounter `encounterId` as the caller stored them
   * in this transaction (what FhirStore returned: their current versions), so coordination does
   * not read them again. Ignored when their ids differ.
   */
  readonly patient?: Patient;
  readonly encounter?: Encounter;
}
