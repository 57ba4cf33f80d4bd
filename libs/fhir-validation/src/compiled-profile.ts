import { deepEquals, deepIncludes, evalFhirPathTyped, FhirPathAtom, parseFhirPath, toTypedValue } from '@medplum/core';
import type { ElementDefinition, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import type { CollectedToken, ValueSetIndex } from './value-set-index';

/**
 * Our profiles, compiled once into plain checks. `@medplum/core` re-parses a profile's
 * StructureDefinition on every `validateResource(…, { profile })` call (about 1.3 ms for Task),
 * which the write path cannot afford; a differential profile only adds a few rules to the base
 * resource (which `validateResource` has already checked), so those rules are checked here:
 * cardinality, required bindings, fixed and pattern values, reference target types, and
 * invariants (FHIRPath, parsed once, evaluated by `@medplum/core`).
 */
export interface CompiledProfile {
  readonly url: string;
  readonly type: string;
  readonly rules: readonly ElementRule[];
}

interface ElementRule {
  /** `Task.restriction.period` */
  readonly path: string;
  /** `['restriction', 'period']`; empty for the root. */
  readonly segments: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly typeCode?: string;
  readonly requiredValueSet?: string;
  readonly pattern?: unknown;
  readonly fixed?: unknown;
  readonly targetTypes?: readonly string[];
  readonly constraints: readonly { readonly key: string; readonly human: string; readonly expression: FhirPathAtom }[];
}

function valueOfPrefix(element: ElementDefinition, prefix: 'pattern' | 'fixed'): unknown {
  for (const [name, value] of Object.entries(element)) if (name.startsWith(prefix) && name.length > prefix.length) return value;
  return undefined;
}

/** Compiles the elements a profile's differential constrains, with their snapshot definitions. */
export function compileProfile(profile: StructureDefinition, snapshot: StructureDefinition): CompiledProfile {
  const byId = new Map((snapshot.snapshot?.element ?? []).map((element) => [element.id ?? element.path, element]));
  const rules = (profile.differential?.element ?? []).map((diff): ElementRule => {
    const element = byId.get(diff.id ?? diff.path) ?? diff;
    const segments = element.path.split('.').slice(1);
    if (segments.some((segment) => segment.endsWith('[x]')) && (diff.min !== undefined || diff.binding || valueOfPrefix(diff, 'pattern'))) {
      throw new Error(`Profile ${profile.url}: constraints on choice elements (${element.path}) are not supported`);
    }
    const max = diff.max === undefined ? undefined : diff.max === '*' ? Infinity : Number(diff.max);
    const targets = diff.type?.find((t) => t.code === 'Reference')?.targetProfile?.map((url) => url.split('/').pop()!);
    return {
      path: element.path,
      segments,
      min: diff.min,
      max,
      typeCode: element.type?.[0]?.code,
      requiredValueSet: diff.binding?.strength === 'required' ? diff.binding.valueSet : undefined,
      pattern: valueOfPrefix(diff, 'pattern'),
      fixed: valueOfPrefix(diff, 'fixed'),
      targetTypes: targets,
      constraints: (diff.constraint ?? [])
        .filter((c) => c.severity === 'error' && c.expression)
        .map((c) => ({ key: c.key, human: c.human, expression: parseFhirPath(c.expression!) })),
    };
  });
  return { url: profile.url, type: profile.type, rules };
}

/** For each instance of the parent element, the values of the element at `segments`. */
function valuesPerParent(resource: unknown, segments: readonly string[]): unknown[][] {
  let parents: unknown[] = [resource];
  for (let i = 0; i < segments.length - 1; i++) {
    parents = parents.flatMap((parent) => {
      const value = (parent as Record<string, unknown> | undefined)?.[segments[i]];
      return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
    });
  }
  const last = segments.at(-1)!;
  return parents.map((parent) => {
    const value = (parent as Record<string, unknown>)[last];
    return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  });
}

function issue(severity: 'error' | 'warning', code: OperationOutcomeIssue['code'], text: string, path: string): OperationOutcomeIssue {
  return { severity, code, details: { text }, expression: [path] };
}

function holds(expression: FhirPathAtom, value: unknown, resource: Resource): boolean {
  try {
    const result = evalFhirPathTyped(expression, [toTypedValue(value)], { '%resource': toTypedValue(resource), '%context': toTypedValue(value) });
    return result.length === 1 && result[0].value === true;
  } catch {
    return false;
  }
}

/** The issues `resource` has against a compiled profile (base R4 is checked elsewhere). */
export function checkCompiledProfile(resource: Resource, profile: CompiledProfile, valueSets: ValueSetIndex): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const tokens: Record<string, CollectedToken[]> = {};
  for (const rule of profile.rules) {
    const groups = rule.segments.length === 0 ? [[resource]] : valuesPerParent(resource, rule.segments);
    for (const values of groups) {
      if (rule.min !== undefined && values.length < rule.min) {
        issues.push(issue('error', 'structure', values.length === 0 ? 'Missing required property' : `Invalid number of values: expected at least ${rule.min}, but found ${values.length}`, rule.path));
      }
      if (rule.max !== undefined && values.length > rule.max) {
        issues.push(issue('error', 'structure', `Invalid number of values: expected at most ${rule.max}, but found ${values.length}`, rule.path));
      }
      for (const value of values) {
        if (rule.pattern !== undefined && !(typeof rule.pattern === 'object' ? deepIncludes(value, rule.pattern) : value === rule.pattern)) {
          issues.push(issue('error', 'structure', 'Value did not match expected pattern', rule.path));
        }
        if (rule.fixed !== undefined && !deepEquals(value, rule.fixed)) {
          issues.push(issue('error', 'structure', 'Value did not match expected fixed value', rule.path));
        }
        if (rule.requiredValueSet && rule.typeCode) {
          (tokens[rule.requiredValueSet] ??= []).push({ type: rule.typeCode, value, path: rule.path });
        }
        const reference = (value as { reference?: unknown } | null)?.reference;
        if (rule.targetTypes && typeof reference === 'string' && /^[A-Z][A-Za-z]+\//.test(reference)) {
          const type = reference.split('/')[0];
          if (!rule.targetTypes.includes(type) && !rule.targetTypes.includes('Resource')) {
            issues.push(issue('warning', 'structure', `Invalid reference: got "${type}", expected "${rule.targetTypes.join('", "')}"`, rule.path));
          }
        }
        for (const constraint of rule.constraints) {
          if (!holds(constraint.expression, value, resource)) {
            issues.push(issue('error', 'invariant', `Constraint failed: ${constraint.key}: ${constraint.human}`, rule.path));
          }
        }
      }
    }
  }
  issues.push(...valueSets.check(tokens));
  return issues;
}
