import type { Coverage } from '@medplum/fhirtypes';
import { parseDateRange } from '@liaison/fhir-search';

/**
 * A Coverage in force at `nowMs`: status `active` and `now` within its period (a missing start
 * or end is open; a date-only end covers that whole day).
 */
export function isCoverageActive(coverage: Pick<Coverage, 'status' | 'period'>, nowMs: number): boolean {
  if (coverage.status !== 'active') return false;
  const start = coverage.period?.start ? parseDateRange(coverage.period.start)?.low : undefined;
  const end = coverage.period?.end ? parseDateRange(coverage.period.end)?.high : undefined;
  if (start !== undefined && nowMs < start) return false;
  if (end !== undefined && nowMs >= end) return false;
  return true;
}
