import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * Invariant per-1 ("if present, start SHALL have a lower value than end") with FHIRPath's
 * comparison semantics: values of different precision that agree as far as both go (a date
 * `2023-06-21` against `2023-06-21T06:20:00Z`) cannot be ordered, so the invariant fails, as
 * the HL7 reference validator says. `@medplum/core` compares such values as strings.
 */

const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

type Order = 'before' | 'same' | 'after' | 'unordered';

function compareNumbers(a: number, b: number): Order {
  return a < b ? 'before' : a > b ? 'after' : 'same';
}

/** Orders two FHIR date/dateTime/instant strings; undefined when either does not parse. */
export function compareFhirDateTimes(left: string, right: string): Order | undefined {
  const a = DATE_TIME.exec(left);
  const b = DATE_TIME.exec(right);
  if (!a || !b) return undefined;
  const aHasTime = a[4] !== undefined;
  const bHasTime = b[4] !== undefined;
  if (aHasTime && bHasTime) {
    const at = Date.parse(a[8] ? left : `${left}Z`);
    const bt = Date.parse(b[8] ? right : `${right}Z`);
    return Number.isNaN(at) || Number.isNaN(bt) ? undefined : compareNumbers(at, bt);
  }
  // Compare year, month, day as far as both go.
  for (let part = 1; part <= 3; part++) {
    const x = a[part];
    const y = b[part];
    if (x === undefined || y === undefined) return x === y ? 'same' : 'unordered';
    const order = compareNumbers(Number(x), Number(y));
    if (order !== 'same') return order;
  }
  return aHasTime === bHasTime ? 'same' : 'unordered';
}

function walk(value: unknown, path: string, issues: OperationOutcomeIssue[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, `${path}[${index}]`, issues));
    return;
  }
  if (!value || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  if (typeof record.start === 'string' && typeof record.end === 'string') {
    const order = compareFhirDateTimes(record.start, record.end);
    if (order === 'after' || order === 'unordered') {
      issues.push({
        severity: 'error',
        code: 'invariant',
        details: { text: "Constraint failed: per-1: 'If present, start SHALL have a lower value than end'" },
        expression: [path],
      });
    }
  }
  for (const [key, child] of Object.entries(record)) {
    if (child && typeof child === 'object') walk(child, `${path}.${key}`, issues);
  }
}

/**
 * per-1 over every Period of a resource. In the resource types Liaison serves, an element with
 * both a `start` and an `end` string is a Period (Encounter.period, Coverage.period,
 * Task.executionPeriod, …), so the walk needs no schema.
 */
export function checkPeriodOrder(resource: { resourceType: string }): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  walk(resource, resource.resourceType, issues);
  return issues;
}
