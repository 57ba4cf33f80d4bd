import { Injectable } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import type { PlanChanges, PlanResource } from '@liaison/protocols';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth';
import { FhirStore } from '../fhir';

/** Plans first, then referrals, then Tasks (see `PlanChangesWriter.write`). */
const UPDATE_ORDER: Readonly<Record<PlanResource['resourceType'], number>> = { CarePlan: 0, ServiceRequest: 1, Task: 2 };

/** `resource` with `meta.source` naming what caused this version (the event's source URI). */
export function withSource<T extends Resource>(resource: T, source: string | undefined): T {
  return source ? { ...resource, meta: { ...resource.meta, source } } : resource;
}

/**
 * Writes what the coordination rules decided, through the store (validation, state machine,
 * versions, search index, outbox and reactions apply as to any write), in the caller's
 * transaction.
 */
@Injectable()
export class PlanChangesWriter {
  constructor(private readonly store: FhirStore) {}

  /**
   * New resources first, together (one statement per table; their ids were derived from stable
   * keys, so a second application of the same decision collides instead of duplicating). Then
   * the updates: CarePlans and ServiceRequests before Tasks, so that the store's reactions to
   * the Tasks' status changes find their plan and referral already where the rules put them and
   * have nothing left to do. Each update carries `If-Match` with the version it was decided
   * on: a resource changed meanwhile is a 412 and the whole event rolls back (no lost update).
   */
  async write(tx: EntityManager, principal: Principal, changes: PlanChanges, source?: string): Promise<void> {
    if (changes.create.length > 0) {
      await this.store.createMany(
        tx,
        principal,
        changes.create.map((resource) => ({ resource: withSource(resource, source), id: resource.id as string })),
      );
    }
    const updates = [...changes.update].sort((a, b) => UPDATE_ORDER[a.resourceType] - UPDATE_ORDER[b.resourceType]);
    for (const resource of updates) {
      const version = resource.meta?.versionId;
      await this.store.update(tx, principal, withSource(resource, source), version ? { ifMatch: `W/"${version}"` } : {});
    }
  }
}
