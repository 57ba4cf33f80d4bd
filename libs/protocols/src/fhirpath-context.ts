import { localDateAt } from '@liaison/business-time';
import { evalFhirPath, FhirPathAtom, TypedValue } from '@medplum/core';
import type { Bundle, Coding, Encounter, Resource } from '@medplum/fhirtypes';
import { ProtocolContext } from './protocol-model';

/**
 * How an applicability condition sees the event (the contract protocol authors write against).
 *
 * The expression is evaluated with a `Bundle` (type `collection`) as its input: one entry for
 * the Patient, the Encounter (if any), and every Coverage, Condition, ServiceRequest and CareTeam
 * of the context, so `entry.resource.ofType(Coverage)` navigates them. These variables are set:
 *
 * | variable | type | value |
 * |---|---|---|
 * | `%event` | string | the event kind, e.g. `encounter.discharged` |
 * | `%eventTime`, `%now` | dateTime | when the event happened; when it is being processed |
 * | `%patient`, `%encounter` | resource | the Patient; the Encounter (empty when none) |
 * | `%dischargeDisposition` | string | PV1-36 / NUBC patient status code (`01` home, `06` home health, `03` SNF, `62` rehab, `07` against advice, `20` expired …), empty when none |
 * | `%encounterClass` | string | `Encounter.class.code` (`IMP`, `EMER`, `AMB`, `OBSENC` …) |
 * | `%encounterStartDate`, `%encounterEndDate` | string | the encounter's period as local dates `YYYY-MM-DD` in the tenant's zone; an open end is the event's date |
 * | `%today` | string | the local date of `%now` |
 * | `%context`, `%resource` | Bundle | the input itself |
 *
 * Dates are offered as local `YYYY-MM-DD` strings because FHIRPath compares dateTimes with
 * different offsets unreliably: compare with `period.start.toString().substring(0, 10)`.
 * A condition applies only when it evaluates to exactly `true`; empty or `false` does not.
 */
export interface FhirPathContext {
  readonly input: Bundle;
  readonly variables: Record<string, TypedValue>;
}

const V2_DISPOSITION_SYSTEMS = new Set([
  'http://terminology.hl7.org/CodeSystem/v2-0112',
  'https://www.nubc.org/CodeSystem/PatDischargeStatus',
]);
const FHIR_DISPOSITION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';

/** FHIR discharge-disposition codes in the PV1-36 / NUBC vocabulary the protocols use. */
const FHIR_TO_V2_DISPOSITION: Readonly<Record<string, string>> = {
  home: '01',
  'alt-home': '01',
  hosp: '02',
  snf: '03',
  'other-hcf': '05',
  aadvice: '07',
  exp: '20',
  rehab: '62',
  long: '63',
  psy: '65',
  oth: '70',
};

/**
 * The encounter's discharge disposition as a PV1-36 / NUBC code: a coding from table 0112 or
 * NUBC (or any two-digit code) as it is, otherwise a FHIR discharge-disposition code mapped.
 */
export function dischargeDispositionCode(encounter: Encounter | undefined): string | undefined {
  const codings: Coding[] = encounter?.hospitalization?.dischargeDisposition?.coding ?? [];
  const v2 =
    codings.find((coding) => coding.system !== undefined && V2_DISPOSITION_SYSTEMS.has(coding.system) && coding.code) ??
    codings.find((coding) => /^\d{2}$/.test(coding.code ?? ''));
  if (v2?.code) return v2.code;
  const fhir = codings.find((coding) => coding.system === FHIR_DISPOSITION_SYSTEM && coding.code);
  return fhir?.code ? FHIR_TO_V2_DISPOSITION[fhir.code] : undefined;
}

export function buildFhirPathContext(context: ProtocolContext, now: string, timeZone: string): FhirPathContext {
  const resources: Resource[] = [
    context.patient,
    ...(context.encounter ? [context.encounter] : []),
    ...context.coverages,
    ...context.conditions,
    ...context.serviceRequests,
    ...context.careTeams,
  ];
  const input: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((resource) => ({ fullUrl: `${resource.resourceType}/${resource.id}`, resource })),
  };
  const encounter = context.encounter;
  const eventDate = localDateAt(context.event.occurredAt, timeZone);
  const start = encounter?.period?.start;
  const end = encounter?.period?.end;
  const string = (value: string | undefined): TypedValue => ({ type: 'string', value });
  const variables: Record<string, TypedValue> = {
    '%context': { type: 'Bundle', value: input },
    '%resource': { type: 'Bundle', value: input },
    '%event': string(context.event.kind),
    '%eventTime': { type: 'dateTime', value: context.event.occurredAt },
    '%now': { type: 'dateTime', value: now },
    '%today': string(localDateAt(now, timeZone)),
    '%patient': { type: 'Patient', value: context.patient },
    '%encounter': { type: 'Encounter', value: encounter },
    '%dischargeDisposition': string(dischargeDispositionCode(encounter)),
    '%encounterClass': string(encounter?.class?.code),
    '%encounterStartDate': string(start ? localDateOf(start, timeZone) : undefined),
    '%encounterEndDate': string(end ? localDateOf(end, timeZone) : eventDate),
  };
  return { input, variables };
}

/** A FHIR date or dateTime as a local date: a bare date as it is, a date-time in the zone. */
function localDateOf(value: string, timeZone: string): string {
  if (value.length <= 10) return value;
  try {
    return localDateAt(value, timeZone);
  } catch {
    return value.slice(0, 10); // a date-time without an offset: its own date
  }
}

/**
 * Whether the FHIRPath `expression` is exactly `true` in `context`. A failing expression throws
 * an Error naming `where` (a broken protocol must not silently skip work).
 */
export function isApplicable(
  condition: string | { readonly expression: string; readonly atom: FhirPathAtom },
  context: FhirPathContext,
  where: string,
): boolean {
  const expression = typeof condition === 'string' ? condition : condition.expression;
  let result: unknown[];
  try {
    result = evalFhirPath(typeof condition === 'string' ? condition : condition.atom, context.input, context.variables);
  } catch (error) {
    throw new Error(`${where}: condition "${expression}" failed: ${(error as Error).message}`, { cause: error });
  }
  return result.length === 1 && result[0] === true;
}
