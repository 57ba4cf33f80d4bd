import type { Hl7Segment } from '@medplum/core';
import type { Identifier, Resource } from '@medplum/fhirtypes';
import {
  checkHl7Header,
  hl7Error,
  Hl7ErrorCode,
  hl7Warning,
  isTimeZoneOrOffset,
  parseHl7Timestamp,
  toFhirInstant,
  type Hl7Timestamp,
  type ParsedHl7Message,
} from '@liaison/hl7';
import { ruleFor, SUPPORTED_MESSAGE_TYPES, type AdtEvent, type PatientMerge } from './adt-event';
import { mapCondition } from './dg1-to-condition';
import { mapCoverage, type InsuranceGroup } from './in1-to-coverage';
import { dateTimeOf, fieldError, readTimestamp, type MappingContext } from './mapping-context';
import { mapRelatedPerson } from './nk1-to-related-person';
import { identityOf, mapPatient, replacedPatientIdentifiers } from './pid-to-patient';
import { mapEncounter } from './pv1-to-encounter';
import type { ResourceWrite } from './resource-write';

export interface AdtMappingOptions {
  /**
   * The time zone of timestamps that carry no offset, when MSH-7 carries none either (a
   * message's own offset wins): `Z`, `+01:00`, or an IANA zone such as `America/Chicago`.
   */
  readonly defaultTimeZone: string;
}

/** `urn:liaison:hl7:<facility>:<control id>`: the `meta.source` of everything a message writes. */
export function hl7SourceUri(facility: string, controlId: string): string {
  return `urn:liaison:hl7:${encodeURIComponent(facility)}:${encodeURIComponent(controlId)}`;
}

/**
 * An ADT (or BAR) message → the {@link AdtEvent} it means: its event, time, domain event and
 * the resources to write. Pure: nothing is looked up; writes say how to find what is stored.
 *
 * Errors are `OperationOutcomeError`s carrying their acknowledgment: an unsupported message
 * type or a header that cannot be routed is `AR`; a required segment missing (PID, PV1, MRG)
 * or a field that cannot be read (PID-3 without an identifier, an invalid PID-7) is `AE`
 * naming the segment or field. A trigger Liaison does not act on maps to action `none`.
 */
export function mapAdtMessage(parsed: ParsedHl7Message, options: AdtMappingOptions): AdtEvent {
  if (!isTimeZoneOrOffset(options.defaultTimeZone)) throw new RangeError(`Unknown time zone ${options.defaultTimeZone}`);
  const kind = checkHl7Header(parsed, { messageTypes: SUPPORTED_MESSAGE_TYPES });
  const rule = ruleFor(kind.code, kind.trigger);
  const { header, message } = parsed;
  // Scopes identifiers without an assigning authority; the application when no facility is named.
  const facility = header.sendingFacility ?? header.sendingApplication ?? 'unknown';
  const source = hl7SourceUri(facility, kind.controlId);

  const headerTime = header.timestamp ? parseHl7Timestamp(header.timestamp) : undefined;
  const context: MappingContext = {
    facility,
    source,
    zone: headerTime?.offset ?? options.defaultTimeZone,
    warnings: [...parsed.warnings],
  };
  if (header.timestamp && !headerTime) context.warnings.push(hl7Warning('MSH-7 is not a valid HL7 date/time', 'MSH-7'));

  const evn = message.getSegment('EVN');
  const recorded = evn ? readTimestamp(evn, 2, 'EVN-2') : undefined;
  const messageTimestamp: Hl7Timestamp | undefined = recorded ?? headerTime;
  if (!messageTimestamp) {
    throw fieldError('MSH-7', 'Neither EVN-2 nor MSH-7 holds the date/time of the message', Hl7ErrorCode.requiredFieldMissing);
  }
  const occurred = evn ? readTimestamp(evn, 6, 'EVN-6') : undefined;

  const base = {
    source: { protocol: 'hl7v2' as const, sender: facility, messageId: kind.controlId, uri: source },
    eventCode: kind.trigger,
    messageType: `${kind.code}^${kind.trigger}`,
    action: rule.action,
    ...(rule.domainEvent && { domainEvent: rule.domainEvent }),
    messageTime: toFhirInstant(messageTimestamp, context.zone),
    ...(occurred && { eventOccurredAt: dateTimeOf(occurred, context) }),
  };
  if (rule.action === 'none') return { ...base, writes: [], merges: [], warnings: context.warnings };

  for (const segment of rule.requiredSegments) {
    if (!message.getSegment(segment)) {
      throw hl7Error({
        ack: 'AE',
        hl7Code: Hl7ErrorCode.segmentSequence,
        code: 'required',
        expression: segment,
        text: `${kind.code}^${kind.trigger} requires a ${segment} segment`,
      });
    }
  }

  const segments = located(message.segments);
  const writes = new Writes();

  if (rule.action === 'merge') {
    const merges: PatientMerge[] = [];
    let survivor: { write: ResourceWrite; location: string } | undefined;
    for (const { segment, location } of segments) {
      if (segment.name === 'PID') {
        survivor = { write: mapPatient(segment, location, context), location };
        writes.add(survivor.write);
      } else if (segment.name === 'MRG') {
        if (!survivor) throw hl7Error({ ack: 'AE', hl7Code: Hl7ErrorCode.segmentSequence, code: 'structure', expression: location, text: 'MRG before any PID' });
        merges.push({ survivor: survivor.write.key, replaced: replacedPatientIdentifiers(segment, location, context) });
        survivor = undefined;
      }
    }
    return { ...base, patient: merges[0]?.survivor ?? writes.first('Patient'), writes: writes.ordered(), merges, warnings: context.warnings };
  }

  const pid = message.getSegment('PID') as Hl7Segment;
  const patient = mapPatient(pid, 'PID', context);
  const patientRef = { key: patient.key, identity: identityOf(patient.resource.identifier ?? []) as Identifier };
  writes.add(patient);

  let encounterKey: string | undefined;
  const pv1 = message.getSegment('PV1');
  if (rule.writesEncounter && pv1) {
    const mapping = mapEncounter(
      {
        pv1,
        pv2: message.getSegment('PV2'),
        pid,
        mrg: rule.action === 'change-class' ? message.getSegment('MRG') : undefined,
        patientKey: patient.key,
        rule,
      },
      context,
    );
    // An update (A08) without a visit or account number describes no encounter we could find.
    if (rule.encounterStatus || mapping.encounter.match.length > 0) {
      mapping.practitioners.forEach((p) => writes.add(p));
      writes.add(mapping.encounter);
      encounterKey = mapping.encounter.key;
      segments
        .filter(({ segment }) => segment.name === 'DG1')
        .forEach(({ segment, location }, index) => {
          const condition = mapCondition(
            segment,
            location,
            index + 1,
            { patientKey: patient.key, encounterKey: mapping.encounter.key, encounterIdentity: mapping.encounter.match[0] },
            context,
          );
          if (condition) writes.add(condition);
        });
    }
  }

  insuranceGroups(segments).forEach((group) => {
    const mapping = mapCoverage(group, patientRef, context);
    if (mapping) {
      writes.add(mapping.payor);
      writes.add(mapping.coverage);
    }
  });
  segments
    .filter(({ segment }) => segment.name === 'NK1')
    .forEach(({ segment, location }, index) => {
      const related = mapRelatedPerson(segment, location, index + 1, patientRef, context);
      if (related) writes.add(related);
    });

  return {
    ...base,
    patient: patient.key,
    ...(encounterKey && { encounter: encounterKey }),
    writes: writes.ordered(),
    merges: [],
    warnings: context.warnings,
  };
}

interface LocatedSegment {
  readonly segment: Hl7Segment;
  /** `PID`, or `PID[2]` for the second PID of the message. */
  readonly location: string;
}

function located(segments: readonly Hl7Segment[]): LocatedSegment[] {
  const seen = new Map<string, number>();
  return segments.map((segment) => {
    const sequence = (seen.get(segment.name) ?? 0) + 1;
    seen.set(segment.name, sequence);
    return { segment, location: sequence > 1 ? `${segment.name}[${sequence}]` : segment.name };
  });
}

/** Each IN1 with the IN2 right after it (IN3 and others may follow; the next IN1 starts a new group). */
function insuranceGroups(segments: readonly LocatedSegment[]): InsuranceGroup[] {
  const groups: InsuranceGroup[] = [];
  let current: { in1: Hl7Segment; in2?: Hl7Segment; location: string } | undefined;
  for (const { segment, location } of segments) {
    if (segment.name === 'IN1') {
      current = { in1: segment, location };
      groups.push(current);
    } else if (segment.name === 'IN2' && current && !current.in2) {
      current.in2 = segment;
    } else if (!['IN2', 'IN3', 'ROL'].includes(segment.name)) {
      current = undefined;
    }
  }
  return groups;
}

/** Writes in dependency order (what is referenced before what references it), each key once. */
class Writes {
  private readonly byKey = new Map<string, ResourceWrite>();
  private static readonly ORDER = ['Practitioner', 'Organization', 'Patient', 'Encounter', 'Coverage', 'RelatedPerson', 'Condition'];

  add(write: ResourceWrite): void {
    if (!this.byKey.has(write.key)) this.byKey.set(write.key, write);
  }

  first(resourceType: string): string | undefined {
    return [...this.byKey.values()].find((w) => w.resource.resourceType === resourceType)?.key;
  }

  ordered(): ResourceWrite[] {
    const rank = (r: Resource): number => {
      const index = Writes.ORDER.indexOf(r.resourceType);
      return index === -1 ? Writes.ORDER.length : index;
    };
    return [...this.byKey.values()].sort((a, b) => rank(a.resource) - rank(b.resource));
  }
}
