import type { Resource } from '@medplum/fhirtypes';

/**
 * One committed change to a CarePlan, Task, ServiceRequest, Coverage or Encounter, as read back
 * from the outbox (never from a NOTIFY payload alone). `sequence` is gap-free and in commit
 * order per tenant. `topic` is the most specific SubscriptionTopic the change is an event of
 * (canonical URL, see fhir-profiles/SubscriptionTopic-*.json, e.g. …/task-status-changed);
 * `topics` lists every one, ending with the type's catch-all (…/task-changed).
 */
export interface ChangeEvent {
  readonly tenantId: string;
  readonly sequence: number;
  readonly topic: string;
  readonly topics: readonly string[];
  readonly resourceType: string;
  readonly resourceId: string;
  readonly versionId: string;
  readonly interaction: 'create' | 'update' | 'delete';
  /** ISO instant of the write (the version's meta.lastUpdated). */
  readonly occurredAt: string;
  /** The version written (absent for a delete). */
  readonly resource?: Resource;
}

/** Filters the caller applies per event (e.g. by patient); must be cheap; a throw counts as false. */
export type ChangeEventFilter = (event: ChangeEvent) => boolean;
