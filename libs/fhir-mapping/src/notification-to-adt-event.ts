import { OperationOutcomeError } from '@medplum/core';
import type { Bundle, BundleEntry, Coding, Encounter, Identifier, MessageHeader, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { AdtAction, AdtEvent, DomainEventName } from './adt-event';
import { conditionalReference } from './identifier-systems';
import { identityOf } from './pid-to-patient';
import type { ResourceWrite } from './resource-write';
import { DISCHARGE_DISPOSITION, DISCHARGE_DISPOSITION_CODES, NUBC_DISCHARGE_SYSTEMS, twoDigitDisposition } from './v2-tables';

/**
 * Da Vinci Unsolicited Notifications (HL7 FHIR IG, STU 1 and STU 1.1): a message Bundle whose
 * MessageHeader (first entry) carries the event and points (focus) at the Encounter. Mapped to
 * the same {@link AdtEvent} as the equivalent ADT, so both doors have the same effects.
 */
export const NOTIFICATION_EVENT_SYSTEM = 'http://hl7.org/fhir/us/davinci-alerts/CodeSystem/notification-event';

const NOTIFICATION_EVENTS: Readonly<Record<string, { action: AdtAction; domainEvent: DomainEventName }>> = {
  'notification-admit': { action: 'admit', domainEvent: 'encounter.admitted' },
  'notification-discharge': { action: 'discharge', domainEvent: 'encounter.discharged' },
  'notification-transfer': { action: 'transfer', domainEvent: 'encounter.transferred' },
};

/** Written first to last, so a resource only references what is already stored. */
const WRITE_ORDER = ['Organization', 'Practitioner', 'PractitionerRole', 'Location', 'Patient', 'RelatedPerson', 'Encounter', 'Coverage', 'Condition'];

/** Entries about the message itself, not the patient's data: not written as resources. */
const MESSAGE_ONLY = new Set(['MessageHeader', 'Provenance', 'Bundle', 'OperationOutcome']);

/** `urn:liaison:fhir-message:<source endpoint>:<message id>`: the `meta.source` of everything a notification writes. */
export function fhirMessageSourceUri(endpoint: string, messageId: string): string {
  return `urn:liaison:fhir-message:${encodeURIComponent(endpoint)}:${encodeURIComponent(messageId)}`;
}

function invalid(text: string, expression: string, code: OperationOutcomeIssue['code'] = 'invalid'): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text }, expression: [expression] }],
  });
}

/**
 * A notification Bundle → AdtEvent. Resources are written without the sender's ids and
 * server metadata; each is found by its first identifier (a Patient by its MR if it has one),
 * or, lacking any, by an identifier minted from the sender's endpoint and the sender's id
 * (added to the resource so a later notification finds it). References between entries become
 * references between writes; a `urn:uuid:` reference to nothing in the Bundle is dropped (its
 * display kept) with a warning. UB-04 discharge codes gain their discharge-disposition coding.
 * An unusable Bundle is an `OperationOutcomeError` (`invalid`, `required` or `not-supported`)
 * naming the element.
 */
export function mapNotificationBundle(bundle: Bundle): AdtEvent {
  if (bundle?.resourceType !== 'Bundle') throw invalid('A notification is a Bundle', 'Bundle', 'structure');
  if (bundle.type !== 'message') throw invalid('A notification Bundle has type message', 'Bundle.type');
  const entries = bundle.entry ?? [];
  const header = entries[0]?.resource as MessageHeader | undefined;
  if (header?.resourceType !== 'MessageHeader') throw invalid('The first entry of a message Bundle is its MessageHeader', 'Bundle.entry[0].resource');
  const eventCode = header.eventCoding?.code;
  const event = eventCode ? NOTIFICATION_EVENTS[eventCode] : undefined;
  if (!eventCode || !event || (header.eventCoding?.system && header.eventCoding.system !== NOTIFICATION_EVENT_SYSTEM)) {
    throw invalid(
      `MessageHeader.eventCoding must be ${Object.keys(NOTIFICATION_EVENTS).join(', ')} from ${NOTIFICATION_EVENT_SYSTEM}`,
      'Bundle.entry[0].resource.eventCoding',
      'not-supported',
    );
  }
  if (!bundle.timestamp) throw invalid('A notification Bundle carries its timestamp', 'Bundle.timestamp', 'required');
  const messageId = header.id ?? bundle.identifier?.value;
  if (!messageId) throw invalid('The MessageHeader has no id (nor the Bundle an identifier)', 'Bundle.entry[0].resource.id', 'required');
  const endpoint = header.source?.endpoint ?? '';
  const source = fhirMessageSourceUri(endpoint, messageId);
  const warnings: OperationOutcomeIssue[] = [];

  const find = (reference: string | undefined): BundleEntry | undefined => (reference ? entries.find((e) => matchesReference(e, reference)) : undefined);
  const focusEntry = find(header.focus?.[0]?.reference);
  if (focusEntry?.resource?.resourceType !== 'Encounter') {
    throw invalid('MessageHeader.focus must reference the Encounter in the Bundle', 'Bundle.entry[0].resource.focus[0]', 'required');
  }
  const encounterResource = focusEntry.resource as Encounter;
  const patientEntry = find(encounterResource.subject?.reference);
  if (patientEntry?.resource?.resourceType !== 'Patient') {
    throw invalid('The Encounter subject must reference a Patient in the Bundle', 'Encounter.subject', 'required');
  }

  // Each data entry's identity and key, before references are rewritten.
  const prepared = entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.resource && !MESSAGE_ONLY.has(entry.resource.resourceType))
    .map(({ entry, index }) => {
      const resource = entry.resource as Resource & { identifier?: Identifier[] };
      const identifiers = (resource.identifier ?? []).filter((i) => i.system && i.value);
      const minted: Identifier | undefined =
        identifiers.length === 0
          ? {
              system: `urn:liaison:fhir-message:${encodeURIComponent(endpoint)}:${resource.resourceType}`,
              value: resource.id ?? entry.fullUrl ?? String(index),
            }
          : undefined;
      const identity = minted ?? (resource.resourceType === 'Patient' ? identityOf(identifiers) : identifiers[0]);
      return { entry, resource, identifiers, minted, identity, key: conditionalReference(resource.resourceType, identity) };
    });

  const keys = new Map<BundleEntry, string>(prepared.map((p) => [p.entry, p.key]));
  const rewrite = (reference: string): string | undefined => {
    const target = find(reference);
    if (target) return keys.get(target);
    if (reference.startsWith('urn:uuid:') || reference.startsWith('#')) return undefined;
    return reference;
  };

  const writes: ResourceWrite[] = prepared.map(({ resource, identifiers, minted, identity, key }) => {
    const { id: _id, meta: _meta, text: _text, ...content } = resource as Resource & { text?: unknown };
    let written = rewriteReferences(content, rewrite, (path) =>
      warnings.push({
        severity: 'warning',
        code: 'not-found',
        details: { text: `A reference in ${resource.resourceType} points at nothing in the Bundle: dropped` },
        expression: [`${resource.resourceType}.${path}`],
      }),
    ) as Resource & { identifier?: Identifier[] };
    const { resourceType, ...rest } = written;
    written = { resourceType, meta: { source }, ...rest } as Resource & { identifier?: Identifier[] };
    if (minted) written.identifier = [minted, ...(resource.identifier ?? [])];
    if (written.resourceType === 'Encounter') written = withDispositionCoding(written as Encounter);
    return {
      key,
      resource: written,
      match: minted ? [minted] : [identity, ...identifiers.filter((i) => i !== identity)],
      mode: 'merge' as const,
      nulls: [],
    };
  });
  if (event.action === 'discharge' && encounterResource.status !== 'finished') {
    warnings.push({
      severity: 'warning',
      code: 'business-rule',
      details: { text: 'A discharge notification whose Encounter is not finished' },
      expression: ['Encounter.status'],
    });
  }
  const rank = (w: ResourceWrite): number => {
    const index = WRITE_ORDER.indexOf(w.resource.resourceType);
    return index === -1 ? WRITE_ORDER.length : index;
  };
  const ordered = [...new Map(writes.map((w) => [w.key, w])).values()].sort((a, b) => rank(a) - rank(b));

  return {
    source: { protocol: 'fhir-messaging', sender: endpoint, messageId, uri: source },
    eventCode,
    messageType: eventCode,
    action: event.action,
    domainEvent: event.domainEvent,
    messageTime: bundle.timestamp,
    patient: keys.get(patientEntry),
    encounter: keys.get(focusEntry),
    writes: ordered,
    merges: [],
    warnings,
  };
}

/** Whether a Bundle entry is what `reference` names: its fullUrl, `Type/id`, or an absolute URL ending in `Type/id`. */
function matchesReference(entry: BundleEntry, reference: string): boolean {
  if (entry.fullUrl && entry.fullUrl === reference) return true;
  const resource = entry.resource;
  if (!resource?.id) return false;
  const relative = `${resource.resourceType}/${resource.id}`;
  return reference === relative || reference.endsWith(`/${relative}`);
}

function rewriteReferences(value: unknown, rewrite: (reference: string) => string | undefined, dropped: (path: string) => void, path = ''): unknown {
  if (Array.isArray(value)) return value.map((v, i) => rewriteReferences(v, rewrite, dropped, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${name}` : name;
    if (name === 'reference' && typeof child === 'string') {
      const target = rewrite(child);
      if (target === undefined) dropped(path);
      else result[name] = target;
    } else {
      result[name] = rewriteReferences(child, rewrite, dropped, childPath);
    }
  }
  return result;
}

/** Adds the discharge-disposition coding a UB-04 code maps to (STU 1 and 1.1 send only the UB-04 code). */
function withDispositionCoding(encounter: Encounter): Encounter {
  const disposition = encounter.hospitalization?.dischargeDisposition;
  if (!disposition?.coding || disposition.coding.some((c) => c.system === DISCHARGE_DISPOSITION)) return encounter;
  const ub04 = disposition.coding.find((c) => c.system && NUBC_DISCHARGE_SYSTEMS.includes(c.system) && c.code);
  const mapped = ub04?.code ? DISCHARGE_DISPOSITION_CODES[twoDigitDisposition(ub04.code)] : undefined;
  if (!mapped) return encounter;
  const coding: Coding = { system: DISCHARGE_DISPOSITION, code: mapped.code, display: mapped.display };
  return {
    ...encounter,
    hospitalization: { ...encounter.hospitalization, dischargeDisposition: { ...disposition, coding: [coding, ...disposition.coding] } },
  };
}
