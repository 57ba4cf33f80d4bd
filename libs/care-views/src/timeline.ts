import type { Resource } from '@medplum/fhirtypes';

export type TimelineAction = 'created' | 'updated' | 'status-changed' | 'deleted';

/** One stored version, as the store's history gives it, with the status of the version before. */
export interface TimelineVersion {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly deleted: boolean;
  readonly content: Resource;
  readonly previousStatus?: string;
}

export interface TimelineEntry {
  readonly action: TimelineAction;
  readonly status?: string;
  readonly previousStatus?: string;
  /** One line for people, ids and codes only (no names or free text: it may end up in logs). */
  readonly summary: string;
}

const LABELS: Readonly<Record<string, string>> = {
  Patient: 'Patient',
  Encounter: 'Encounter',
  CarePlan: 'Care plan',
  Task: 'Task',
  ServiceRequest: 'Referral',
  Coverage: 'Coverage',
};

/** What a resource is, in a word or a code: a Task's or request's code, an encounter's class. */
function what(content: Resource): string | undefined {
  const record = content as unknown as Record<string, unknown>;
  const code = record.code as { coding?: { code?: string }[] } | undefined;
  const fromCode = code?.coding?.find((coding) => coding.code)?.code;
  if (fromCode) return fromCode;
  const klass = record.class as { code?: string } | undefined;
  return klass?.code;
}

/**
 * How a version reads in a patient's timeline: created (version 1), deleted, a status change
 * `a → b`, or another update.
 */
export function timelineEntry(version: TimelineVersion): TimelineEntry {
  const label = LABELS[version.resourceType] ?? version.resourceType;
  const detail = what(version.content);
  const subject = detail ? `${label} ${detail}` : label;
  const status = (version.content as { status?: string }).status;
  const previousStatus = version.previousStatus;
  if (version.deleted) return { action: 'deleted', status, summary: `${subject} deleted` };
  if (version.versionId === 1) return { action: 'created', status, summary: status ? `${subject} created (${status})` : `${subject} created` };
  if (status !== undefined && previousStatus !== undefined && status !== previousStatus) {
    return { action: 'status-changed', status, previousStatus, summary: `${subject}: ${previousStatus} → ${status}` };
  }
  return { action: 'updated', status, ...(previousStatus !== undefined && { previousStatus }), summary: `${subject} updated` };
}
