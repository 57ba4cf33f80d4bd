import type { Encounter } from '@medplum/fhirtypes';
import type { CoordinationEventKind } from '@liaison/protocols';
import type { AdtAction, AdtEvent } from './adt-event';

/**
 * Which coordination events (libs/protocols) an applied admission/discharge message raises,
 * inside the message's transaction. The kinds are the coordination engine's: it attaches
 * protocols to an admission (A01, A06 outpatient → inpatient, a FHIR admit notification) and
 * a discharge (A03, a discharge notification), and revises plans when an admission or a
 * discharge is cancelled (A11, A13) or a patient is merged (A40). Registrations (A04),
 * pre-admissions (A05), transfers and updates raise none. A Coverage the message created or
 * changed raises `coverage.changed`, before the encounter's event (open plans are re-evaluated
 * with it, and a new plan already sees it).
 */
export interface CoordinationEventDraft {
  readonly kind: CoordinationEventKind;
  /** A FHIR instant: the admission/discharge time when the message says it, else EVN-6, else the message time. */
  readonly occurredAt: string;
  readonly patientId: string;
  readonly encounterId?: string;
  readonly mergedPatientId?: string;
  readonly coverageId?: string;
  /** The message: `meta.source` of what it wrote (`urn:liaison:hl7:<facility>:<control id>`). */
  readonly source: string;
}

/** What applying an event stored: logical ids, not references. */
export interface AppliedAdtEvent {
  readonly patientId?: string;
  readonly encounterId?: string;
  /** The encounter as stored after the message. */
  readonly encounter?: Encounter;
  /** A newer message had already written the encounter: this one changed nothing on it. */
  readonly encounterSuperseded: boolean;
  /** Coverages the message created or changed. */
  readonly changedCoverageIds: readonly string[];
  /** A40: each surviving patient and the stored patient it replaced (none when that one was never stored). */
  readonly merges: readonly { readonly survivorId: string; readonly replacedId?: string }[];
}

const BY_ACTION: Readonly<Partial<Record<AdtAction, CoordinationEventKind>>> = {
  admit: 'encounter.admitted',
  discharge: 'encounter.discharged',
  'cancel-admit': 'encounter.admission-cancelled',
  'cancel-discharge': 'encounter.discharge-cancelled',
};

/** Triggers whose meaning is narrower than their action: A06 turns an outpatient visit into an admission. */
const BY_TRIGGER: Readonly<Record<string, CoordinationEventKind>> = {
  A06: 'encounter.admitted',
};

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function isInstant(value: string | undefined): value is string {
  return value !== undefined && INSTANT.test(value);
}

export function coordinationKindOf(event: Pick<AdtEvent, 'action' | 'eventCode' | 'source'>): CoordinationEventKind | undefined {
  if (event.source.protocol === 'hl7v2' && BY_TRIGGER[event.eventCode]) return BY_TRIGGER[event.eventCode];
  return BY_ACTION[event.action];
}

/** When the event happened: the encounter's own time for an admission or a discharge, else EVN-6, else the message time. */
export function occurredAtOf(kind: CoordinationEventKind, event: Pick<AdtEvent, 'eventOccurredAt' | 'messageTime'>, encounter?: Encounter): string {
  const own = kind === 'encounter.admitted' ? encounter?.period?.start : kind === 'encounter.discharged' ? encounter?.period?.end : undefined;
  if (isInstant(own)) return own;
  if (isInstant(event.eventOccurredAt)) return event.eventOccurredAt;
  return event.messageTime;
}

export function coordinationEventsOf(event: AdtEvent, applied: AppliedAdtEvent): CoordinationEventDraft[] {
  const source = event.source.uri;
  const drafts: CoordinationEventDraft[] = [];
  if (event.action === 'merge') {
    for (const merge of applied.merges) {
      if (!merge.replacedId || merge.replacedId === merge.survivorId) continue;
      drafts.push({ kind: 'patient.merged', occurredAt: occurredAtOf('patient.merged', event), patientId: merge.survivorId, mergedPatientId: merge.replacedId, source });
    }
    return drafts;
  }
  const patientId = applied.patientId;
  if (!patientId) return drafts;
  const encounterId = applied.encounterId;
  for (const coverageId of applied.changedCoverageIds) {
    drafts.push({
      kind: 'coverage.changed',
      occurredAt: occurredAtOf('coverage.changed', event),
      patientId,
      ...(encounterId && { encounterId }),
      coverageId,
      source,
    });
  }
  const kind = coordinationKindOf(event);
  if (kind && encounterId && !applied.encounterSuperseded) {
    drafts.push({ kind, occurredAt: occurredAtOf(kind, event, applied.encounter), patientId, encounterId, source });
  }
  return drafts;
}
