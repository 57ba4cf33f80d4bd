import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { checkBundleRules } from './bundle-rules';
import { checkCompiledProfile, CompiledProfile } from './compiled-profile';
import { checkNarratives } from './narrative';
import { checkPeriodOrder } from './period-order';
import { CollectedToken, ValueSetIndex } from './value-set-index';

/**
 * What validation needs besides the resource: the base R4 definitions must already be indexed
 * into `@medplum/core` (its schema registry is process-wide); value sets and our profiles are
 * passed in.
 */
export interface ValidationContext {
  readonly valueSets: ValueSetIndex;
  /**
   * Profiles by canonical URL without version: compiled (our differential profiles, checked
   * cheaply on top of base R4) or as a snapshot (validated by `@medplum/core`).
   */
  readonly profiles: ReadonlyMap<string, CompiledProfile | StructureDefinition>;
}

function isCompiled(profile: CompiledProfile | StructureDefinition): profile is CompiledProfile {
  return 'rules' in profile;
}

const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function canonical(url: string): string {
  const bar = url.indexOf('|');
  return bar >= 0 ? url.slice(0, bar) : url;
}

function issuesOf(error: unknown, fallbackPath: string): OperationOutcomeIssue[] {
  if (error instanceof OperationOutcomeError) return error.outcome.issue ?? [];
  const text = error instanceof Error ? error.message : String(error);
  return [{ severity: 'error', code: 'structure', details: { text }, expression: [fallbackPath] }];
}

function runValidator(resource: Resource, tokens: Record<string, CollectedToken[]>, profile?: StructureDefinition): OperationOutcomeIssue[] {
  try {
    return validateResource(resource, { profile, collect: { tokens: tokens as never } });
  } catch (error) {
    return issuesOf(error, resource.resourceType);
  }
}

function key(issue: OperationOutcomeIssue): string {
  return `${issue.severity}|${issue.code}|${issue.details?.text ?? issue.diagnostics}|${issue.expression?.join(',')}`;
}

/**
 * Validates a resource against base R4, the profiles it names in `meta.profile` that we know,
 * the required value-set bindings, and the invariants `@medplum/core` leaves out (resource id
 * syntax, narrative XHTML, Period order, Bundle rules). Profiles we do not have are reported as
 * warnings, not refused: EHRs routinely claim US Core and IG profiles.
 *
 * Returns the warnings; throws an OperationOutcomeError with every issue (one per problem, each
 * with an `expression`) when there is at least one error.
 */
export function validateFhirResource(resource: Resource, context: ValidationContext): OperationOutcomeIssue[] {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource) || typeof resource.resourceType !== 'string') {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'structure', details: { text: 'The body is not a FHIR resource' }, expression: ['Resource'] }],
    });
  }
  const type = resource.resourceType;
  const issues: OperationOutcomeIssue[] = [];
  if (resource.id !== undefined && (typeof resource.id !== 'string' || !RESOURCE_ID.test(resource.id))) {
    issues.push({
      severity: 'error',
      code: 'invalid',
      details: { text: `Invalid Resource id: Invalid Characters ('${String(resource.id)}')` },
      expression: [`${type}.id`],
    });
  }
  const tokens: Record<string, CollectedToken[]> = {};
  issues.push(...runValidator(resource, tokens));
  (resource.meta?.profile ?? []).forEach((url, index) => {
    const profile = typeof url === 'string' ? context.profiles.get(canonical(url)) : undefined;
    if (profile && isCompiled(profile)) {
      issues.push(...checkCompiledProfile(resource, profile, context.valueSets));
    } else if (profile) {
      issues.push(...runValidator(resource, tokens, profile));
    } else {
      issues.push({
        severity: 'warning',
        code: 'not-supported',
        details: { text: `Profile ${url} is not known to this server; validated against base R4 only` },
        expression: [`${type}.meta.profile[${index}]`],
      });
    }
  });
  issues.push(...context.valueSets.check(tokens));
  issues.push(...checkNarratives(resource));
  issues.push(...checkPeriodOrder(resource));
  if (type === 'Bundle') issues.push(...checkBundleRules(resource as Bundle));

  const unique = new Map<string, OperationOutcomeIssue>();
  for (const issue of issues) {
    const withPath = issue.expression?.length ? issue : { ...issue, expression: [type] };
    unique.set(key(withPath), withPath);
  }
  const all = [...unique.values()];
  if (all.some((issue) => issue.severity === 'error' || issue.severity === 'fatal')) {
    throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: all });
  }
  return all;
}
