import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, PlanDefinition, Resource } from '@medplum/fhirtypes';
import { isCoordinationProtocol, protocolProblems } from '@liaison/protocols';
import { checkTaskCreate, checkTaskUpdate } from '@liaison/task-workflow';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../auth';
import type { ResourceChange } from './fhir-store';

/**
 * The `rules` step of the store's write pipeline: workflow rules that hold whatever door a write
 * came through (FHIR PUT/PATCH/transaction, GraphQL, jobs, coordination), given the stored and
 * the submitted version. A refusal is an OperationOutcomeError thrown before anything is
 * written, so the caller's transaction rolls back with nothing changed:
 * - Task: the state machine of `@liaison/task-workflow` (`conflict` → 409 for a forbidden
 *   transition or a change to a finished Task, `business-rule` → 422 for a missing
 *   statusReason, `value` → 400 for an unknown status);
 * - PlanDefinition that names a coordination event: it must be a valid protocol
 *   (`@liaison/protocols`; `business-rule` → 422 listing every problem), so a tenant's
 *   protocol is checked when written, not when the next discharge needs it.
 */
export function assertWorkflowRules(next: Resource, previous: Resource | undefined): void {
  const outcome = workflowRefusal(next, previous);
  if (outcome) throw new OperationOutcomeError(outcome);
}

function workflowRefusal(next: Resource, previous: Resource | undefined): OperationOutcome | undefined {
  switch (next.resourceType) {
    case 'Task':
      return previous?.resourceType === 'Task' ? checkTaskUpdate(previous, next) : checkTaskCreate(next);
    case 'PlanDefinition':
      return protocolRefusal(next);
    default:
      return undefined;
  }
}

function protocolRefusal(planDefinition: PlanDefinition): OperationOutcome | undefined {
  if (!isCoordinationProtocol(planDefinition)) return undefined;
  const problems = protocolProblems(planDefinition);
  if (problems.length === 0) return undefined;
  return {
    resourceType: 'OperationOutcome',
    issue: problems.map((problem) => ({
      severity: 'error',
      code: 'business-rule',
      details: { text: `Not a valid coordination protocol: ${problem}` },
      expression: ['PlanDefinition.action'],
    })),
  };
}

/**
 * The `react` step of the store's write pipeline: what must follow a committed-to-be change in
 * the same transaction (a CarePlan following its Tasks, a referral following its Task, coverage
 * re-evaluation, the coordination schedule index). It runs after the change is persisted,
 * indexed and recorded, and may write more through the store (each such write runs the whole
 * pipeline again, its own `react` step included).
 *
 * The coordination module implements it and hands it to the store at start-up
 * (`FhirStore.useReactions`, called from CoordinationModule): the store does not depend on
 * coordination, and without it writes simply have no reactions.
 */
export interface WriteReactions {
  afterWrite(tx: EntityManager, principal: Principal, changes: readonly ResourceChange[]): Promise<void>;
}
