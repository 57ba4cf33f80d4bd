import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

/** Machine-readable reasons a workflow rule refused a change (OperationOutcome `issue.details.coding`). */
export const WORKFLOW_ERROR_SYSTEM = 'http://liaison.health/fhir/CodeSystem/workflow-error';

export type WorkflowErrorKey =
  | 'unknown-status'
  | 'transition-not-allowed'
  | 'status-reason-required'
  | 'terminal-task-frozen'
  | 'created-in-error';

/**
 * One error currency: an OperationOutcome with `issue.code` for what (`conflict`: the change
 * clashes with the resource's current state, 409; `business-rule`: the content breaks a rule,
 * 422; `value`: not a valid code, 400) and `issue.expression` for where.
 */
export function workflowOutcome(
  code: 'conflict' | 'business-rule' | 'value',
  key: WorkflowErrorKey,
  text: string,
  expression: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code,
        details: { coding: [{ system: WORKFLOW_ERROR_SYSTEM, code: key }], text },
        expression: [expression],
      },
    ],
  };
}

/** Throws the outcome, if any, as an OperationOutcomeError. */
export function throwIfOutcome(outcome: OperationOutcome | undefined): void {
  if (outcome) throw new OperationOutcomeError(outcome);
}
