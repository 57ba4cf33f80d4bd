import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Coverage, Organization, Patient, Reference, RelatedPerson } from '@medplum/fhirtypes';
import { parseDateRange } from '@liaison/fhir-search';

/** What an app may change on a Coverage; absent fields stay as they are, `null` clears. */
export interface CoverageChanges {
  readonly status?: string;
  readonly periodStart?: string | null;
  readonly periodEnd?: string | null;
  /** References `Organization/…`, `Patient/…` or `RelatedPerson/…`. */
  readonly payor?: readonly string[];
  readonly subscriberId?: string | null;
}

const STATUSES: readonly Coverage['status'][] = ['active', 'cancelled', 'draft', 'entered-in-error'];
const PAYOR = /^(Organization|Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64}$/;
const FHIR_DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

function refuse(text: string, expression: string): never {
  throw new OperationOutcomeError(badRequest(text, expression));
}

function dateOrRefuse(value: string, expression: string): string {
  if (!FHIR_DATE_TIME.test(value) || !parseDateRange(value)) refuse(`"${value}" is not a FHIR date or dateTime`, expression);
  return value;
}

/**
 * The Coverage with `changes` applied, checked: a known status, FHIR dates with the start not
 * after the end, payors that can pay. Payor references replace the list (displays of payors that
 * stay are kept). The store validates the result against the profiles as for any write.
 */
export function applyCoverageChanges(coverage: Coverage, changes: CoverageChanges): Coverage {
  const next: Coverage = { ...coverage };
  if (changes.status !== undefined) {
    if (!STATUSES.includes(changes.status as Coverage['status'])) refuse(`status must be one of ${STATUSES.join(', ')}`, 'Coverage.status');
    next.status = changes.status as Coverage['status'];
  }
  if (changes.periodStart !== undefined || changes.periodEnd !== undefined) {
    const period = { ...coverage.period };
    if (changes.periodStart === null) delete period.start;
    else if (changes.periodStart !== undefined) period.start = dateOrRefuse(changes.periodStart, 'Coverage.period.start');
    if (changes.periodEnd === null) delete period.end;
    else if (changes.periodEnd !== undefined) period.end = dateOrRefuse(changes.periodEnd, 'Coverage.period.end');
    const start = period.start ? parseDateRange(period.start)?.low : undefined;
    const end = period.end ? parseDateRange(period.end)?.high : undefined;
    if (start !== undefined && end !== undefined && start >= end) refuse('The period ends before it starts', 'Coverage.period');
    if (period.start || period.end) next.period = period;
    else delete next.period;
  }
  if (changes.payor !== undefined) {
    if (changes.payor.length === 0) refuse('A Coverage has at least one payor', 'Coverage.payor');
    const known = new Map((coverage.payor ?? []).map((ref) => [ref.reference, ref]));
    next.payor = changes.payor.map((raw): Reference<Organization | Patient | RelatedPerson> => {
      const reference = raw.trim();
      if (!PAYOR.test(reference)) refuse(`"${raw}" is not a payor reference (Organization/…, Patient/… or RelatedPerson/…)`, 'Coverage.payor');
      return (known.get(reference) as Reference<Organization | Patient | RelatedPerson> | undefined) ?? { reference };
    });
  }
  if (changes.subscriberId === null) delete next.subscriberId;
  else if (changes.subscriberId !== undefined) next.subscriberId = changes.subscriberId;
  return next;
}
