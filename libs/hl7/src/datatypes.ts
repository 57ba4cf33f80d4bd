import type { Hl7Composite } from './values';

/**
 * HL7 v2 composite data types read into plain objects. Component positions follow v2.5–2.8,
 * which keep the older positions for everything read here. Explicit nulls (`""`) read as
 * absent at this level: whole-field nulls are the caller's concern (`isNullField`).
 */

/** HD: hierarchic designator (an assigning authority, a facility, an application). */
export interface Hd {
  readonly namespaceId?: string;
  readonly universalId?: string;
  readonly universalIdType?: string;
}

/** CX: an identifier with its assigning authority. */
export interface Cx {
  readonly id: string;
  readonly assigningAuthority?: Hd;
  readonly typeCode?: string;
  readonly assigningFacility?: Hd;
  readonly effectiveDate?: string;
  readonly expirationDate?: string;
}

/** XPN (and the name parts of XCN): a person's name. */
export interface Xpn {
  readonly family?: string;
  readonly given: readonly string[];
  readonly suffixes: readonly string[];
  readonly prefix?: string;
  readonly typeCode?: string;
}

/** XAD: an address. */
export interface Xad {
  readonly lines: readonly string[];
  readonly city?: string;
  readonly state?: string;
  readonly postalCode?: string;
  readonly country?: string;
  readonly typeCode?: string;
  readonly district?: string;
}

/** XTN: a phone number or e-mail address. */
export interface Xtn {
  readonly value: string;
  readonly useCode?: string;
  readonly equipmentType?: string;
  readonly isEmail: boolean;
}

/** XCN: a person (a clinician) with an identifier. */
export interface Xcn {
  readonly id?: string;
  readonly name: Xpn;
  readonly assigningAuthority?: Hd;
  readonly typeCode?: string;
}

/** CE / CWE / CNE: a code. */
export interface Cwe {
  readonly code?: string;
  readonly text?: string;
  readonly system?: string;
  readonly alternateCode?: string;
  readonly alternateText?: string;
  readonly alternateSystem?: string;
}

/** PL: a location in a facility. */
export interface Pl {
  readonly pointOfCare?: string;
  readonly room?: string;
  readonly bed?: string;
  readonly facility?: Hd;
  readonly building?: string;
  readonly floor?: string;
  readonly description?: string;
}

/** XON: an organisation name and its identifier. */
export interface Xon {
  readonly name?: string;
  readonly id?: string;
  readonly assigningAuthority?: Hd;
}

export function readHd(hd: Hl7Composite): Hd | undefined {
  const result = compact({ namespaceId: hd.text(1), universalId: hd.text(2), universalIdType: hd.text(3) });
  return Object.keys(result).length > 0 ? result : undefined;
}

export function readCx(cx: Hl7Composite): Cx | undefined {
  const id = cx.text(1)?.trim();
  if (!id) return undefined;
  return compact({
    id,
    assigningAuthority: readHd(cx.sub(4)),
    typeCode: cx.text(5),
    assigningFacility: readHd(cx.sub(6)),
    effectiveDate: cx.text(7),
    expirationDate: cx.text(8),
  });
}

export function readXpn(xpn: Hl7Composite): Xpn | undefined {
  return readName(xpn, 1, 2, 3, 4, 5, 6, 7);
}

function readName(
  c: Hl7Composite,
  family: number,
  given: number,
  middle: number,
  suffix: number,
  prefix: number,
  degree: number,
  type: number,
): Xpn | undefined {
  const name: Xpn = compact({
    // FN-1, the surname; FN-2…5 (own/partner surname parts) are not read.
    family: c.text(family, 1),
    given: [c.text(given), c.text(middle)].filter(isText),
    suffixes: [c.text(suffix), c.text(degree)].filter(isText),
    prefix: c.text(prefix),
    typeCode: c.text(type),
  });
  return name.family || name.given.length > 0 ? name : undefined;
}

export function readXad(xad: Hl7Composite): Xad | undefined {
  const address: Xad = compact({
    lines: [streetLine(xad), xad.text(2)].filter(isText),
    city: xad.text(3),
    state: xad.text(4),
    postalCode: xad.text(5),
    country: xad.text(6),
    typeCode: xad.text(7),
    district: xad.text(9),
  });
  return address.lines.length > 0 || address.city || address.state || address.postalCode || address.country
    ? address
    : undefined;
}

/**
 * A telecom field repetition: the phone number (XTN-1 as written, else built from XTN-5 country,
 * XTN-6 area, XTN-7 local and XTN-8 extension, else XTN-12 unformatted) and the e-mail address
 * (XTN-4), each when present; one repetition may carry both.
 */
/**
 * XAD-1 (SAD): the street address (SAD-1), or, when the sender split it into street name
 * (SAD-2) and dwelling number (SAD-3) that SAD-1 does not already contain, all three joined.
 */
function streetLine(xad: Hl7Composite): string | undefined {
  const street = xad.text(1, 1)?.trim();
  const parts = [xad.text(1, 2)?.trim(), xad.text(1, 3)?.trim()].filter((p): p is string => !!p && !(street ?? '').includes(p));
  return [street, ...parts].filter(Boolean).join(' ') || undefined;
}

export function readXtn(xtn: Hl7Composite): Xtn[] {
  const useCode = xtn.text(2);
  const equipmentType = xtn.text(3);
  const written = xtn.text(1);
  const local = xtn.text(7);
  const built = local
    ? `${xtn.text(5) ? `+${xtn.text(5)} ` : ''}${xtn.text(6) ? `(${xtn.text(6)}) ` : ''}${local}${xtn.text(8) ? ` x${xtn.text(8)}` : ''}`
    : undefined;
  const number = written ?? built ?? xtn.text(12);
  // XTN-4 is the e-mail address (v2.3+); some senders fill it with other numbers.
  const declaredEmail = xtn.text(4)?.trim();
  const emailType = equipmentType?.toUpperCase() === 'INTERNET' || equipmentType?.toUpperCase() === 'X.400' || useCode?.toUpperCase() === 'NET';
  const email =
    (declaredEmail && (emailType || declaredEmail.includes('@')) ? declaredEmail : undefined) ?? (number?.includes('@') ? number : undefined);
  const result: Xtn[] = [];
  if (number && number !== email) result.push(compact({ value: number, useCode, equipmentType, isEmail: false }));
  if (email) result.push(compact({ value: email, useCode, equipmentType, isEmail: true }));
  return result;
}

export function readXcn(xcn: Hl7Composite): Xcn | undefined {
  const id = xcn.text(1)?.trim() || undefined;
  const name = readName(xcn, 2, 3, 4, 5, 6, 7, 10) ?? { given: [], suffixes: [] };
  if (!id && !name.family && name.given.length === 0) return undefined;
  return compact({ id, name, assigningAuthority: readHd(xcn.sub(9)), typeCode: xcn.text(13) });
}

export function readCwe(cwe: Hl7Composite): Cwe | undefined {
  const result = compact({
    code: cwe.text(1),
    text: cwe.text(2),
    system: cwe.text(3),
    alternateCode: cwe.text(4),
    alternateText: cwe.text(5),
    alternateSystem: cwe.text(6),
  });
  return result.code || result.text ? result : undefined;
}

export function readPl(pl: Hl7Composite): Pl | undefined {
  const result = compact({
    pointOfCare: pl.text(1)?.trim() || undefined,
    room: pl.text(2)?.trim() || undefined,
    bed: pl.text(3)?.trim() || undefined,
    facility: readHd(pl.sub(4)),
    building: pl.text(7)?.trim() || undefined,
    floor: pl.text(8)?.trim() || undefined,
    description: pl.text(9)?.trim() || undefined,
  });
  return result.pointOfCare || result.room || result.bed || result.description || result.building ? result : undefined;
}

export function readXon(xon: Hl7Composite): Xon | undefined {
  const result = compact({ name: xon.text(1), id: xon.text(10) ?? xon.text(3), assigningAuthority: readHd(xon.sub(6)) });
  return result.name || result.id ? result : undefined;
}

function isText(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/** Drops undefined properties, so results compare and serialise cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
