import { evalFhirPathTyped, toTypedValue, TypedValue } from '@medplum/core';
import type {
  Address,
  CodeableConcept,
  Coding,
  ContactPoint,
  HumanName,
  Identifier,
  Period,
  Quantity,
  Reference,
  Resource,
  Timing,
} from '@medplum/fhirtypes';
import { MAX_INDEXED_LENGTH, normalizeString } from './normalize-string';
import { DateRange, parseDateRange, periodRange } from './ranges';
import { parseReferenceString } from './reference-string';
import { SearchCatalog, SearchParamDef } from './search-catalog';

/** token and uri values; `text` is the normalised display/text that `:text` searches. */
export interface TokenValue {
  readonly param: string;
  readonly system: string | null;
  readonly code: string | null;
  readonly text: string | null;
}

/** `value` is normalised (what default, `:contains` search); `exact` is as written. */
export interface StringValue {
  readonly param: string;
  readonly value: string;
  readonly exact: string;
}

export interface ReferenceValue {
  readonly param: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly url: string | null;
}

export interface DateValue extends DateRange {
  readonly param: string;
}

/** number and quantity values (`system`/`code` are the unit, for quantities). */
export interface QuantityValue {
  readonly param: string;
  readonly value: number;
  readonly system: string | null;
  readonly code: string | null;
}

/** Everything one resource contributes to the search index. */
export interface SearchValues {
  readonly tokens: TokenValue[];
  readonly strings: StringValue[];
  readonly references: ReferenceValue[];
  readonly dates: DateValue[];
  readonly quantities: QuantityValue[];
  /** The resource's single `status` code (copied onto its reference rows), if its type has one. */
  readonly status: string | null;
}

const clip = (value: string): string => value.slice(0, MAX_INDEXED_LENGTH);
const textOf = (value: string | undefined): string | null => (value ? normalizeString(value) || null : null);

function tokensOf(param: string, typed: TypedValue): TokenValue[] {
  const value = typed.value as unknown;
  switch (typed.type) {
    case 'Coding': {
      const coding = value as Coding;
      if (!coding.code && !coding.system && !coding.display) return [];
      return [{ param, system: coding.system ?? null, code: coding.code ?? null, text: textOf(coding.display) }];
    }
    case 'CodeableConcept': {
      const concept = value as CodeableConcept;
      const rows = (concept.coding ?? []).flatMap((coding) => tokensOf(param, { type: 'Coding', value: coding }));
      if (concept.text) rows.push({ param, system: null, code: null, text: textOf(concept.text) });
      return rows;
    }
    case 'Identifier': {
      const identifier = value as Identifier;
      if (!identifier.value && !identifier.system) return [];
      return [{ param, system: identifier.system ?? null, code: identifier.value ?? null, text: textOf(identifier.type?.text) }];
    }
    case 'ContactPoint': {
      const contact = value as ContactPoint;
      if (!contact.value) return [];
      return [{ param, system: contact.system ?? null, code: contact.value, text: null }];
    }
    case 'boolean':
      return [{ param, system: null, code: value ? 'true' : 'false', text: null }];
    default:
      if (typeof value === 'string' || typeof value === 'number') {
        return [{ param, system: null, code: String(value), text: null }];
      }
      return [];
  }
}

function stringsOf(param: string, typed: TypedValue): StringValue[] {
  const value = typed.value as unknown;
  let parts: (string | undefined)[];
  switch (typed.type) {
    case 'HumanName': {
      const name = value as HumanName;
      const given = name.given ?? [];
      parts = [name.text, name.family, ...given, ...(name.prefix ?? []), ...(name.suffix ?? [])];
      if (given.length && name.family) parts.push([...given, name.family].join(' '));
      break;
    }
    case 'Address': {
      const address = value as Address;
      parts = [address.text, ...(address.line ?? []), address.city, address.district, address.state, address.postalCode, address.country];
      break;
    }
    default:
      parts = typeof value === 'string' ? [value] : [];
  }
  return parts
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .map((part) => ({ param, value: normalizeString(part), exact: clip(part) }));
}

function referencesOf(param: string, typed: TypedValue, baseUrl: string): ReferenceValue[] {
  const value = typed.value as unknown;
  const literal =
    typed.type === 'Reference' ? (value as Reference).reference : typeof value === 'string' ? value : undefined;
  const parsed = literal === undefined ? undefined : parseReferenceString(literal, baseUrl);
  return parsed ? [{ param, ...parsed }] : [];
}

function datesOf(param: string, typed: TypedValue): DateValue[] {
  const value = typed.value as unknown;
  let ranges: (DateRange | undefined)[];
  switch (typed.type) {
    case 'Period': {
      const period = value as Period;
      ranges = [periodRange(period.start, period.end)];
      break;
    }
    case 'Timing': {
      const timing = value as Timing;
      const bounds = timing.repeat?.boundsPeriod;
      ranges = [...(timing.event ?? []).map(parseDateRange), bounds ? periodRange(bounds.start, bounds.end) : undefined];
      break;
    }
    default:
      ranges = typeof value === 'string' ? [parseDateRange(value)] : [];
  }
  return ranges.filter((range): range is DateRange => !!range).map((range) => ({ param, ...range }));
}

function quantitiesOf(param: string, typed: TypedValue): QuantityValue[] {
  const value = typed.value as unknown;
  if (typeof value === 'number') return [{ param, value, system: null, code: null }];
  const quantity = value as Quantity | undefined;
  if (typeof quantity?.value !== 'number') return [];
  return [{ param, value: quantity.value, system: quantity.system ?? null, code: quantity.code ?? quantity.unit ?? null }];
}

/** A row's field values as one key: each length-prefixed (no two rows collide), null apart from any string. */
function rowKey(row: object): string {
  let key = '';
  for (const value of Object.values(row)) {
    if (value === null || value === undefined) key += '-;';
    else {
      const text = String(value);
      key += `${text.length}:${text};`;
    }
  }
  return key;
}

function dedupe<T extends object>(rows: T[]): T[] {
  if (rows.length < 2) return rows;
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = rowKey(row);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function evaluate(def: SearchParamDef, root: TypedValue): TypedValue[] {
  return evalFhirPathTyped(def.expression, [root]).filter((typed) => typed.value !== undefined && typed.value !== null);
}

/**
 * Evaluates every indexed search parameter of the resource's type (R4 SearchParameter
 * expressions) and returns the rows the index keeps. `baseUrl` is our FHIR base, so absolute
 * references to ourselves index as local ones. `_id` and `_lastUpdated` are not extracted:
 * they are columns of the resource row.
 */
export function extractSearchValues(catalog: SearchCatalog, resource: Resource, baseUrl: string): SearchValues {
  const root = toTypedValue(resource);
  const values: SearchValues = { tokens: [], strings: [], references: [], dates: [], quantities: [], status: null };
  for (const def of catalog.params(resource.resourceType).values()) {
    if (def.storage !== 'index') continue;
    for (const typed of evaluate(def, root)) {
      switch (def.type) {
        case 'token':
        case 'uri':
          values.tokens.push(...tokensOf(def.code, typed));
          break;
        case 'string':
          values.strings.push(...stringsOf(def.code, typed));
          break;
        case 'reference':
          values.references.push(...referencesOf(def.code, typed, baseUrl));
          break;
        case 'date':
          values.dates.push(...datesOf(def.code, typed));
          break;
        case 'number':
        case 'quantity':
          values.quantities.push(...quantitiesOf(def.code, typed));
          break;
      }
    }
  }
  const statusParam = catalog.statusParam(resource.resourceType);
  const status = statusParam ? values.tokens.find((t) => t.param === statusParam.code)?.code ?? null : null;
  return {
    tokens: dedupe(values.tokens.map((t) => ({ ...t, system: t.system && clip(t.system), code: t.code && clip(t.code) }))),
    strings: dedupe(values.strings),
    references: dedupe(values.references),
    dates: dedupe(values.dates),
    quantities: dedupe(values.quantities),
    status,
  };
}
