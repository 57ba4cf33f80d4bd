import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';

const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

function error(text: string, path: string): OperationOutcomeIssue {
  return { severity: 'error', code: 'invalid', details: { text }, expression: [path] };
}

/**
 * Bundle rules the R4 reference validator applies and `@medplum/core` does not: an entry's
 * `fullUrl` is an absolute URI (`urn:uuid:…` or `http…`), and a link relation occurs once.
 */
export function checkBundleRules(bundle: Bundle): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  (bundle.entry ?? []).forEach((entry, index) => {
    if (entry.fullUrl !== undefined && !ABSOLUTE_URI.test(entry.fullUrl)) {
      issues.push(error(`The fullUrl must be an absolute URL (not '${entry.fullUrl}')`, `Bundle.entry[${index}].fullUrl`));
    }
  });
  const seen = new Set<string>();
  (bundle.link ?? []).forEach((link, index) => {
    if (!link.relation) return;
    if (seen.has(link.relation)) {
      issues.push(error(`The link relationship type '${link.relation}' can only occur once`, `Bundle.link[${index}]`));
    }
    seen.add(link.relation);
  });
  return issues;
}
