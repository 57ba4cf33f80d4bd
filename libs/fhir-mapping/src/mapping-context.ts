import type { Address, ContactPoint, HumanName, Meta, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Hl7Segment } from '@medplum/core';
import {
  fieldOf,
  hl7Error,
  Hl7ErrorCode,
  parseHl7Timestamp,
  readXtn,
  toFhirDate,
  toFhirDateTime,
  type Hl7Composite,
  type Hl7Timestamp,
  type Xad,
  type Xpn,
} from '@liaison/hl7';
import { ADDRESS_USE, compact, NAME_USE, TELECOM_SYSTEM, TELECOM_USE } from './v2-tables';

/** What every segment mapper of one message shares. */
export interface MappingContext {
  /** MSH-4: scopes identifiers that name no assigning authority. */
  readonly facility: string;
  /** `meta.source` of every resource the message writes. */
  readonly source: string;
  /** For timestamps without an offset: the message's (MSH-7) offset, else the configured zone. */
  readonly zone: string;
  /** Collects what was tolerated. */
  readonly warnings: OperationOutcomeIssue[];
}

export function metaOf(context: MappingContext): Meta {
  return { source: context.source };
}

/** An `AE` for a field that is there but cannot be used. */
export function fieldError(expression: string, text: string, hl7Code: Hl7ErrorCode = Hl7ErrorCode.dataType): Error {
  return hl7Error({ ack: 'AE', hl7Code, code: hl7Code === Hl7ErrorCode.requiredFieldMissing ? 'required' : 'value', expression, text });
}

/**
 * A date/time field: `undefined` when empty, `null` for the explicit null, the parsed value
 * otherwise. A value that is not an HL7 date/time is an `AE` at `expression`.
 */
export function readTimestamp(segment: Hl7Segment, field: number, expression: string): Hl7Timestamp | null | undefined {
  const value = fieldOf(segment, field).value(1);
  if (value === undefined || value === null) return value;
  const parsed = parseHl7Timestamp(value);
  if (!parsed) throw fieldError(expression, `${expression} is not a valid HL7 date/time (YYYY[MM[DD[HHMM[SS]]]][+/-ZZZZ])`);
  return parsed;
}

export function dateTimeOf(timestamp: Hl7Timestamp | null | undefined, context: MappingContext): string | undefined {
  return timestamp ? toFhirDateTime(timestamp, context.zone) : undefined;
}

export function dateOf(timestamp: Hl7Timestamp | null | undefined): string | undefined {
  return timestamp ? toFhirDate(timestamp) : undefined;
}

export function humanNameOf(name: Xpn): HumanName {
  const use = name.typeCode ? NAME_USE[name.typeCode.toUpperCase()] : undefined;
  return compact({
    use,
    family: name.family?.trim() || undefined,
    given: name.given.length > 0 ? name.given.map((g) => g.trim()) : undefined,
    prefix: name.prefix?.trim() ? [name.prefix.trim()] : undefined,
    suffix: name.suffixes.length > 0 ? name.suffixes.map((s) => s.trim()) : undefined,
  });
}

export function addressOf(address: Xad): Address {
  const typeCode = address.typeCode?.trim().toUpperCase();
  return compact({
    use: typeCode ? ADDRESS_USE[typeCode] : undefined,
    type: typeCode === 'M' ? ('postal' as const) : undefined,
    line: address.lines.length > 0 ? address.lines.map((l) => l.trim()) : undefined,
    city: address.city?.trim() || undefined,
    district: address.district?.trim() || undefined,
    state: address.state?.trim() || undefined,
    postalCode: address.postalCode?.trim() || undefined,
    country: address.country?.trim() || undefined,
  });
}

/** The phones and e-mail addresses of an XTN field's repetitions; `defaultUse` for the field (PID-13 home, PID-14 work). */
export function contactPointsOf(repetitions: readonly Hl7Composite[], defaultUse?: ContactPoint['use']): ContactPoint[] {
  return repetitions.flatMap(readXtn).map((xtn) => {
    const equipment = xtn.equipmentType?.toUpperCase();
    const useCode = xtn.useCode?.toUpperCase();
    const system: ContactPoint['system'] = xtn.isEmail
      ? 'email'
      : ((equipment ? TELECOM_SYSTEM[equipment] : undefined) ?? (useCode === 'BPN' ? 'pager' : 'phone'));
    const use: ContactPoint['use'] = equipment === 'CP' ? 'mobile' : ((useCode ? TELECOM_USE[useCode] : undefined) ?? defaultUse);
    return compact({ system, value: xtn.value.trim(), use });
  });
}
