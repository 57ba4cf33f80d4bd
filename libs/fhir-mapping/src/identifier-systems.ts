import type { CodeableConcept, Identifier } from '@medplum/fhirtypes';
import type { Cx, Hd } from '@liaison/hl7';
import { compact, V2_TABLE } from './v2-tables';

/**
 * Identifier systems for HL7 v2 identifiers. An identifier's system comes from its assigning
 * authority (CX-4): an ISO OID becomes `urn:oid:<oid>`, a URI or UUID stays one, a bare
 * namespace becomes `urn:liaison:hl7:assigning-authority:<namespace>`. Without an assigning
 * authority the identifier is scoped to the sending facility and to what it identifies:
 * `urn:liaison:hl7:facility:<MSH-4>:<kind>`, so an MRN and a visit number from the same
 * feed never collide, and PID-3 and MRG-1 of one feed resolve to the same system.
 */
export type IdentifierKind = 'patient' | 'visit' | 'account' | 'practitioner' | 'payor' | 'member' | 'related-person' | 'diagnosis' | 'location';

export const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

const OID = /^[0-2](\.(0|[1-9]\d*))+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Assigning authorities that name a national identifier system. */
const WELL_KNOWN_AUTHORITIES: Readonly<Record<string, string>> = {
  USSSA: SSN_SYSTEM,
  SSA: SSN_SYSTEM,
  NPI: NPI_SYSTEM,
};

/** Identifier types (table 0203) that name a national system when no assigning authority does. */
const WELL_KNOWN_TYPES: Readonly<Record<string, string>> = {
  SS: SSN_SYSTEM,
  SSN: SSN_SYSTEM,
  NPI: NPI_SYSTEM,
};

/** Table 0203 codes, which go into Identifier.type as v2-0203 codings; others are kept as text. */
const IDENTIFIER_TYPES: ReadonlySet<string> = new Set([
  'AM', 'AN', 'ANON', 'BA', 'BR', 'BRN', 'DI', 'DL', 'DN', 'DR', 'EI', 'EN', 'FI', 'GI', 'GN', 'HC', 'JHN', 'LN', 'LR', 'MA',
  'MB', 'MC', 'MCN', 'MD', 'MI', 'MR', 'MRT', 'NE', 'NH', 'NI', 'NII', 'NIIP', 'NPI', 'PE', 'PEN', 'PI', 'PN', 'PPN', 'PRC',
  'PRN', 'PT', 'RI', 'RN', 'RPH', 'RR', 'SL', 'SN', 'SR', 'SS', 'TAX', 'TN', 'U', 'UPIN', 'VN', 'VS', 'WC', 'WCN', 'XX',
]);

export function isOid(text: string): boolean {
  return OID.test(text);
}

/** The system URI for an assigning authority, or `undefined` when it names none. */
export function systemOfAuthority(authority: Hd | undefined): string | undefined {
  if (!authority) return undefined;
  const { namespaceId, universalId, universalIdType } = authority;
  const type = universalIdType?.toUpperCase();
  if (universalId) {
    if (type === 'ISO' || isOid(universalId)) return `urn:oid:${universalId}`;
    if (type === 'UUID' && UUID.test(universalId)) return `urn:uuid:${universalId.toLowerCase()}`;
    if (type === 'URI' || /^(https?:|urn:)/i.test(universalId)) return universalId;
  }
  if (namespaceId) {
    if (isOid(namespaceId)) return `urn:oid:${namespaceId}`;
    return WELL_KNOWN_AUTHORITIES[namespaceId.toUpperCase()] ?? `urn:liaison:hl7:assigning-authority:${encodeURIComponent(namespaceId)}`;
  }
  if (universalId) return `urn:liaison:hl7:assigning-authority:${encodeURIComponent(universalId)}`;
  return undefined;
}

/** The system for identifiers a facility assigns without naming an authority. */
export function facilitySystem(facility: string, kind: IdentifierKind): string {
  return `urn:liaison:hl7:facility:${encodeURIComponent(facility)}:${kind}`;
}

/** The system of a CX identifier: its assigning authority, a national system its type names, or the facility's. */
export function systemOfCx(cx: Pick<Cx, 'assigningAuthority' | 'typeCode'>, facility: string, kind: IdentifierKind): string {
  return (
    systemOfAuthority(cx.assigningAuthority) ??
    (cx.typeCode ? WELL_KNOWN_TYPES[cx.typeCode.toUpperCase()] : undefined) ??
    facilitySystem(facility, kind)
  );
}

/** Identifier.type for a table 0203 code. */
export function identifierType(code: string | undefined): CodeableConcept | undefined {
  if (!code) return undefined;
  const upper = code.trim().toUpperCase();
  return IDENTIFIER_TYPES.has(upper) ? { coding: [{ system: V2_TABLE('0203'), code: upper }] } : { text: code.trim() };
}

/** A CX as a FHIR Identifier. `period` from CX-7/CX-8 when they are dates (`YYYYMMDD`). */
export function identifierOfCx(cx: Cx, facility: string, kind: IdentifierKind): Identifier {
  const start = hl7DateOnly(cx.effectiveDate);
  const end = hl7DateOnly(cx.expirationDate);
  return compact({
    type: identifierType(cx.typeCode),
    system: systemOfCx(cx, facility, kind),
    value: cx.id.trim(),
    period: start || end ? compact({ start, end }) : undefined,
    assigner: cx.assigningAuthority?.namespaceId ? { display: cx.assigningAuthority.namespaceId } : undefined,
  });
}

function hl7DateOnly(text: string | undefined): string | undefined {
  const match = text ? /^(\d{4})(\d{2})(\d{2})$/.exec(text.trim()) : null;
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

/** The identifier a resource is found by, as a FHIR conditional reference: `Patient?identifier=<system>|<value>` (parts URL-encoded). */
export function conditionalReference(resourceType: string, identifier: Pick<Identifier, 'system' | 'value'>): string {
  return `${resourceType}?identifier=${encodeURIComponent(identifier.system ?? '')}|${encodeURIComponent(identifier.value ?? '')}`;
}

/** The inverse of {@link conditionalReference}; `undefined` for anything else. */
export function parseConditionalReference(reference: string): { resourceType: string; system: string; value: string } | undefined {
  const match = /^([A-Z][A-Za-z]+)\?identifier=([^|&]*)\|([^&]*)$/.exec(reference);
  if (!match) return undefined;
  try {
    return { resourceType: match[1], system: decodeURIComponent(match[2]), value: decodeURIComponent(match[3]) };
  } catch {
    return undefined;
  }
}
