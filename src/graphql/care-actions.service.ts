import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { CarePlan, CodeableConcept, Coverage, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { applyCoverageChanges, CoverageChanges } from '@liaison/care-views';
import { addTaskNote, assignTask, newReferral, ReferralInput, rescheduleTask, TaskStatus, transitionTask } from '@liaison/task-workflow';
import { DataSource, EntityManager } from 'typeorm';
import { assertScope, type Principal } from '../auth';
import { FhirStore } from '../fhir';
import { CLOCK, Clock } from '../platform/clock/clock';
import { inTenant } from '../platform/database/tenant-scope';

export interface CreateReferralRequest extends Omit<ReferralInput, 'carePlan' | 'requester' | 'code'> {
  readonly code: { system?: string; code?: string; display?: string; text?: string };
  readonly carePlanId?: string;
}

/** `expectedVersion` did not match: someone changed the resource since the caller read it. */
function versionMoved(resourceType: string, expected: number, current: number): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'conflict',
        details: { text: `${resourceType} is at version ${current}, not ${expected}: read it again` },
        expression: ['expectedVersion'],
      },
    ],
  });
}

function conceptOf(input: CreateReferralRequest['code']): CodeableConcept {
  const coding = input.code ? [{ ...(input.system && { system: input.system }), code: input.code, ...(input.display && { display: input.display }) }] : undefined;
  return { ...(coding && { coding }), ...(input.text && { text: input.text }) };
}

/**
 * The write side of the GraphQL API: each mutation is one tenant transaction that reads the
 * resource, applies the change with the pure rules of `@liaison/task-workflow` /
 * `@liaison/care-views`, and writes it through FhirStore (validation, the Task state machine,
 * versions, search index, history, outbox — the same path as a FHIR PUT). `expectedVersion`
 * is checked against what was read, and the write carries `If-Match` of that version, so a
 * change committed in between is a CONFLICT, never lost.
 */
@Injectable()
export class CareActionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: FhirStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  transitionTask(principal: Principal, id: string, status: TaskStatus, reason: string | undefined, expectedVersion?: number): Promise<Task> {
    return this.change<Task>(principal, 'Task', id, expectedVersion, (task, at) => transitionTask(task, status, at, reason?.trim() || undefined));
  }

  assignTask(principal: Principal, id: string, owner: string, expectedVersion?: number): Promise<Task> {
    return this.change<Task>(principal, 'Task', id, expectedVersion, (task, at) => assignTask(task, owner, at));
  }

  addTaskNote(principal: Principal, id: string, text: string, expectedVersion?: number): Promise<Task> {
    return this.change<Task>(principal, 'Task', id, expectedVersion, (task, at) => addTaskNote(task, text, at, principal.clientId));
  }

  rescheduleTask(principal: Principal, id: string, due: string, expectedVersion?: number): Promise<Task> {
    return this.change<Task>(principal, 'Task', id, expectedVersion, (task, at) => rescheduleTask(task, due, at));
  }

  updateCoverage(principal: Principal, id: string, changes: CoverageChanges, expectedVersion?: number): Promise<Coverage> {
    return this.change<Coverage>(principal, 'Coverage', id, expectedVersion, (coverage) => applyCoverageChanges(coverage, changes));
  }

  /** A ServiceRequest and the Task for its performer, optionally added to a CarePlan of the same patient. */
  async createReferral(principal: Principal, request: CreateReferralRequest): Promise<{ serviceRequest: ServiceRequest; task: Task }> {
    if (request.carePlanId) assertScope(principal, 'CarePlan', 'u');
    const at = this.now();
    return inTenant(this.db, principal.tenantId, async (tx) => {
      await this.store.read(tx, principal.tenantId, 'Patient', request.patientId);
      if (request.encounterId) await this.store.read(tx, principal.tenantId, 'Encounter', request.encounterId);
      const carePlan = request.carePlanId ? await this.carePlanOf(tx, principal, request.carePlanId, request.patientId) : undefined;
      const ids = { serviceRequest: randomUUID(), task: randomUUID() };
      const made = newReferral({ ...request, code: conceptOf(request.code), carePlan, requester: principal.clientId }, ids, at);
      const [serviceRequest, task] = await this.store.createMany(tx, principal, [
        { resource: made.serviceRequest, id: ids.serviceRequest },
        { resource: made.task, id: ids.task },
      ]);
      if (made.carePlan) await this.store.update(tx, principal, made.carePlan, { ifMatch: `W/"${carePlan!.meta?.versionId}"` });
      return { serviceRequest: serviceRequest.resource as ServiceRequest, task: task.resource as Task };
    });
  }

  private async carePlanOf(tx: EntityManager, principal: Principal, id: string, patientId: string): Promise<CarePlan> {
    const carePlan = (await this.store.read(tx, principal.tenantId, 'CarePlan', id)) as CarePlan;
    if (carePlan.subject?.reference !== `Patient/${patientId}`) {
      throw new OperationOutcomeError(badRequest(`CarePlan/${id} is not a plan of Patient/${patientId}`, 'carePlanId'));
    }
    return carePlan;
  }

  /** Read → check expectedVersion → change (pure) → write with If-Match, in one tenant transaction. */
  private change<T extends Resource>(
    principal: Principal,
    resourceType: T['resourceType'],
    id: string,
    expectedVersion: number | undefined,
    apply: (resource: T, at: string) => T,
  ): Promise<T> {
    return inTenant(this.db, principal.tenantId, async (tx) => {
      const current = await this.store.readVersion(tx, principal.tenantId, resourceType, id);
      if (expectedVersion !== undefined && expectedVersion !== current.versionId) throw versionMoved(resourceType, expectedVersion, current.versionId);
      const next = apply(current.content as T, this.now());
      const stored = await this.store.update(tx, principal, next, { ifMatch: `W/"${current.versionId}"` });
      return stored.resource;
    });
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
