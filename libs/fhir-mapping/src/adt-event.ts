import type { Encounter, Identifier, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ResourceWrite } from './resource-write';

/** What an admission/discharge/transfer message means for Liaison. */
export type AdtAction =
  | 'admit'
  | 'register'
  | 'pre-admit'
  | 'transfer'
  | 'discharge'
  | 'change-class'
  | 'update'
  | 'cancel-admit'
  | 'cancel-transfer'
  | 'cancel-discharge'
  | 'add-person'
  | 'update-person'
  | 'merge'
  /** A trigger Liaison does not act on: the message is stored and acknowledged `AA`, nothing else. */
  | 'none';

/** The internal domain event raised, in the same transaction, when the event's writes are applied. */
export type DomainEventName =
  | 'encounter.admitted'
  | 'encounter.registered'
  | 'encounter.preadmitted'
  | 'encounter.transferred'
  | 'encounter.discharged'
  | 'encounter.class-changed'
  | 'encounter.cancelled'
  | 'encounter.transfer-cancelled'
  | 'encounter.discharge-cancelled'
  | 'patient.updated'
  | 'patient.merged';

export interface AdtEventRule {
  readonly action: AdtAction;
  readonly domainEvent?: DomainEventName;
  /** Encounter.status the event sets; absent: the stored status is kept (`createDefaults` covers a new encounter). */
  readonly encounterStatus?: Encounter['status'];
  /** The message's PV1 describes an encounter to write. */
  readonly writesEncounter: boolean;
  /** Segments without which the event cannot be applied (missing: `AE`, HL7 error 100). */
  readonly requiredSegments: readonly string[];
  /** Encounter elements the event clears (a cancelled discharge is no longer discharged). */
  readonly clears?: readonly string[];
}

const ENCOUNTER = ['PID', 'PV1'];

/**
 * ADT trigger events (HL7 v2 chapter 3) as data. Routing is on MSH-9.2: EVN-1 is deprecated and
 * often disagrees. A trigger not in the table is stored and acknowledged with no effect.
 */
export const ADT_EVENTS: Readonly<Record<string, AdtEventRule>> = {
  A01: { action: 'admit', domainEvent: 'encounter.admitted', encounterStatus: 'in-progress', writesEncounter: true, requiredSegments: ENCOUNTER },
  A04: { action: 'register', domainEvent: 'encounter.registered', encounterStatus: 'arrived', writesEncounter: true, requiredSegments: ENCOUNTER },
  A05: { action: 'pre-admit', domainEvent: 'encounter.preadmitted', encounterStatus: 'planned', writesEncounter: true, requiredSegments: ENCOUNTER },
  A02: { action: 'transfer', domainEvent: 'encounter.transferred', encounterStatus: 'in-progress', writesEncounter: true, requiredSegments: ENCOUNTER },
  A03: { action: 'discharge', domainEvent: 'encounter.discharged', encounterStatus: 'finished', writesEncounter: true, requiredSegments: ENCOUNTER },
  A06: { action: 'change-class', domainEvent: 'encounter.class-changed', encounterStatus: 'in-progress', writesEncounter: true, requiredSegments: ENCOUNTER },
  A07: { action: 'change-class', domainEvent: 'encounter.class-changed', encounterStatus: 'in-progress', writesEncounter: true, requiredSegments: ENCOUNTER },
  A08: { action: 'update', domainEvent: 'patient.updated', writesEncounter: true, requiredSegments: ['PID'] },
  A11: { action: 'cancel-admit', domainEvent: 'encounter.cancelled', encounterStatus: 'cancelled', writesEncounter: true, requiredSegments: ENCOUNTER },
  A12: { action: 'cancel-transfer', domainEvent: 'encounter.transfer-cancelled', encounterStatus: 'in-progress', writesEncounter: true, requiredSegments: ENCOUNTER },
  A13: {
    action: 'cancel-discharge',
    domainEvent: 'encounter.discharge-cancelled',
    encounterStatus: 'in-progress',
    writesEncounter: true,
    requiredSegments: ENCOUNTER,
    clears: ['period.end', 'hospitalization.dischargeDisposition'],
  },
  A28: { action: 'add-person', domainEvent: 'patient.updated', writesEncounter: false, requiredSegments: ['PID'] },
  A31: { action: 'update-person', domainEvent: 'patient.updated', writesEncounter: false, requiredSegments: ['PID'] },
  A40: { action: 'merge', domainEvent: 'patient.merged', writesEncounter: false, requiredSegments: ['PID', 'MRG'] },
};

/** BAR (patient account) events that carry demographics Liaison keeps: add and update account. */
export const BAR_EVENTS: Readonly<Record<string, AdtEventRule>> = {
  P01: { action: 'update-person', domainEvent: 'patient.updated', writesEncounter: false, requiredSegments: ['PID'] },
  P05: { action: 'update-person', domainEvent: 'patient.updated', writesEncounter: false, requiredSegments: ['PID'] },
};

export const NO_EFFECT: AdtEventRule = { action: 'none', writesEncounter: false, requiredSegments: [] };

/** Message types (MSH-9.1) this mapping takes; any other is an `AR`. */
export const SUPPORTED_MESSAGE_TYPES: readonly string[] = ['ADT', 'BAR'];

export function ruleFor(messageCode: string, trigger: string): AdtEventRule {
  const table = messageCode === 'BAR' ? BAR_EVENTS : ADT_EVENTS;
  return table[trigger] ?? NO_EFFECT;
}

/** Where a message came from; `uri` is the `meta.source` of everything it writes. */
export interface AdtMessageSource {
  readonly protocol: 'hl7v2' | 'fhir-messaging';
  /** MSH-4 (sending facility), or MessageHeader.source.endpoint. */
  readonly sender: string;
  /** MSH-10 (message control id), or the MessageHeader id. */
  readonly messageId: string;
  /** `urn:liaison:hl7:<facility>:<control id>`, or `urn:liaison:fhir-message:<endpoint>:<id>`. */
  readonly uri: string;
}

/** A40: the patient described by PID survives; the one MRG names is replaced by it. */
export interface PatientMerge {
  /** The key of the surviving patient's write. */
  readonly survivor: string;
  /** Identifiers of the replaced patient (MRG-1), in order of preference. */
  readonly replaced: readonly Identifier[];
}

/** One message (HL7 v2 ADT or a Da Vinci notification) read as what Liaison must do. */
export interface AdtEvent {
  readonly source: AdtMessageSource;
  /** `A01`, or `notification-admit`. */
  readonly eventCode: string;
  /** `ADT^A01`, `BAR^P01`, or the notification event code. */
  readonly messageType: string;
  readonly action: AdtAction;
  readonly domainEvent?: DomainEventName;
  /** EVN-2 (else MSH-7) as an instant with the message's offset; Bundle.timestamp for notifications. Orders updates. */
  readonly messageTime: string;
  /** EVN-6: when the event happened, if the sender says. */
  readonly eventOccurredAt?: string;
  /** The key of the (first) patient's write. */
  readonly patient?: string;
  /** The key of the encounter's write. */
  readonly encounter?: string;
  /** Everything to write, in dependency order (a write only references earlier writes). */
  readonly writes: readonly ResourceWrite[];
  readonly merges: readonly PatientMerge[];
  /** What was tolerated while mapping (an unknown code, a self-pay IN1 not mapped, …). */
  readonly warnings: readonly OperationOutcomeIssue[];
}
