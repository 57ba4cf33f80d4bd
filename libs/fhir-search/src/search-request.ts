import { badRequest, OperationOutcomeError } from '@medplum/core';
import { normalizeString } from './normalize-string';
import {
  dateCondition,
  numberCondition,
  parseDateRange,
  parseNumber,
  RangeCondition,
  SEARCH_PREFIXES,
  SearchPrefix,
} from './ranges';
import { parseReferenceString } from './reference-string';
import { SearchCatalog, SearchParamDef } from './search-catalog';
import { CursorPosition, decodeCursor } from './search-cursor';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;
/** More OR values than this in one parameter is refused (a query, not a bulk export). */
export const MAX_VALUES_PER_PARAM = 100;

/** A token to match: `system` undefined = any system, null = no system (`|code`); `code` undefined = any code. */
export interface TokenMatch {
  readonly system?: string | null;
  readonly code?: string;
}

/** A reference to match: a local `targetType`/`targetId` (type optional) or a foreign `url`. */
export interface ReferenceMatch {
  readonly targetType?: string;
  readonly targetId?: string;
  readonly url?: string;
}

export interface QuantityMatch {
  readonly condition: RangeCondition;
  readonly system?: string;
  readonly code?: string;
}

/** One search parameter occurrence: its values are ORed; occurrences in a search are ANDed. */
export type SearchFilter =
  | { readonly kind: 'id'; readonly ids: readonly string[] }
  | { readonly kind: 'lastUpdated'; readonly conditions: readonly RangeCondition[] }
  | { readonly kind: 'missing'; readonly param: SearchParamDef; readonly missing: boolean }
  | { readonly kind: 'token'; readonly param: SearchParamDef; readonly not: boolean; readonly values: readonly TokenMatch[] }
  | { readonly kind: 'tokenText'; readonly param: SearchParamDef; readonly values: readonly string[] }
  | { readonly kind: 'uri'; readonly param: SearchParamDef; readonly match: 'eq' | 'below' | 'above'; readonly values: readonly string[] }
  | {
      readonly kind: 'string';
      readonly param: SearchParamDef;
      readonly match: 'startsWith' | 'exact' | 'contains';
      readonly values: readonly string[];
    }
  | { readonly kind: 'reference'; readonly param: SearchParamDef; readonly values: readonly ReferenceMatch[] }
  | { readonly kind: 'date'; readonly param: SearchParamDef; readonly conditions: readonly RangeCondition[] }
  | { readonly kind: 'quantity'; readonly param: SearchParamDef; readonly values: readonly QuantityMatch[] }
  | {
      readonly kind: 'chain';
      readonly param: SearchParamDef;
      /** One entry per possible target type; a resource matches when any of them does. */
      readonly targets: readonly { readonly resourceType: string; readonly filter: SearchFilter }[];
    };

/** A sort key: a parameter (or `_id` / `_lastUpdated`) and its direction. */
export interface SortKey {
  readonly code: string;
  readonly param: SearchParamDef | '_id' | '_lastUpdated';
  readonly descending: boolean;
}

export interface IncludeRequest {
  /** The type holding the reference (for `_revinclude`, the type being included). */
  readonly sourceType: string;
  /** A reference parameter of `sourceType`, or every one of them (`*`). */
  readonly params: readonly SearchParamDef[];
  readonly targetType?: string;
  readonly iterate: boolean;
}

/** A parameter the search did not apply, and why (reported in an OperationOutcome entry). */
export interface SearchIssue {
  readonly param: string;
  readonly reason: string;
}

export type SearchTotal = 'none' | 'estimate' | 'accurate';
export type SearchSummary = 'true' | 'false' | 'text' | 'data' | 'count';

export interface ParsedSearch {
  readonly resourceType: string;
  readonly filters: readonly SearchFilter[];
  readonly sort: readonly SortKey[];
  readonly count: number;
  readonly cursor?: CursorPosition;
  readonly total: SearchTotal;
  readonly summary?: SearchSummary;
  readonly elements?: readonly string[];
  readonly include: readonly IncludeRequest[];
  readonly revinclude: readonly IncludeRequest[];
  /** Unknown or unsupported parameters that were left out (lenient handling). */
  readonly ignored: readonly SearchIssue[];
  /** The query the self link shows: what was applied, without `_cursor`. */
  readonly applied: readonly (readonly [string, string])[];
}

export interface SearchRequestOptions {
  /** Our FHIR base (`…/fhir/R4`): absolute references to it are local. */
  readonly baseUrl: string;
  /** Epoch milliseconds, for the `ap` prefix on dates. */
  readonly now: number;
  /** `Prefer: handling=strict`: an unknown parameter is a 400 instead of a reported warning. */
  readonly strict: boolean;
}

/** Parameters that change the result set shape, handled apart from filters. */
const RESULT_PARAMS = new Set(['_sort', '_count', '_total', '_summary', '_elements', '_include', '_revinclude', '_cursor']);
/** Ignored silently: response formatting, handled by the HTTP layer. */
const FORMAT_PARAMS = new Set(['_format', '_pretty']);
/** Standard search parameters this store does not implement. */
const UNSUPPORTED_PARAMS: Readonly<Record<string, string>> = {
  _offset: 'paging is by the next link (_cursor), not by offset',
  _has: 'reverse chaining (_has) is not supported',
  _list: '_list is not supported',
  _text: 'full-text search (_text) is not supported',
  _content: 'full-text search (_content) is not supported',
  _query: 'named queries are not supported',
  _filter: '_filter is not supported',
  _type: '_type applies to system-level search only',
  _contained: '_contained is not supported',
  _containedType: '_containedType is not supported',
};

function fail(message: string, expression: string): never {
  throw new OperationOutcomeError(badRequest(message, expression));
}

/** Splits on `separator` where it is not escaped with `\`; escapes are kept for the next split. */
function splitUnescaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** Removes the search escapes `\,` `\|` `\$` `\\`. */
function unescapeValue(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}

function splitOr(value: string, key: string): string[] {
  const values = splitUnescaped(value, ',').filter((v) => v !== '');
  if (values.length > MAX_VALUES_PER_PARAM) fail(`Too many values for ${key} (at most ${MAX_VALUES_PER_PARAM})`, key);
  return values;
}

function splitPrefix(value: string): { prefix: SearchPrefix; rest: string } {
  const head = value.slice(0, 2) as SearchPrefix;
  if (SEARCH_PREFIXES.includes(head) && /^[0-9+-]/.test(value.slice(2))) return { prefix: head, rest: value.slice(2) };
  return { prefix: 'eq', rest: value };
}

function parseToken(raw: string): TokenMatch {
  const parts = splitUnescaped(raw, '|');
  if (parts.length === 1) return { code: unescapeValue(parts[0]) };
  const [system, ...rest] = parts;
  const code = unescapeValue(rest.join('|'));
  return {
    system: system === '' ? null : unescapeValue(system),
    ...(code === '' ? {} : { code }),
  };
}

function parseReferenceValue(raw: string, typeModifier: string | undefined, baseUrl: string): ReferenceMatch | undefined {
  const value = unescapeValue(raw);
  if (!value.includes('/')) return typeModifier ? { targetType: typeModifier, targetId: value } : { targetId: value };
  const parsed = parseReferenceString(value, baseUrl);
  if (!parsed) return undefined;
  if (parsed.url !== null) return { url: parsed.url };
  if (typeModifier && parsed.targetType !== typeModifier) return undefined;
  return { targetType: parsed.targetType ?? undefined, targetId: parsed.targetId ?? undefined };
}

function missingFilter(def: SearchParamDef, key: string, values: string[]): SearchFilter {
  if (values.length !== 1 || !['true', 'false'].includes(values[0])) fail(`${key} takes true or false`, key);
  return { kind: 'missing', param: def, missing: values[0] === 'true' };
}

function dateConditions(key: string, values: string[], now: number): RangeCondition[] {
  return values.map((raw) => {
    const { prefix, rest } = splitPrefix(raw);
    const range = parseDateRange(rest);
    if (!range) fail(`Invalid date "${raw}" for ${key}`, key);
    return dateCondition(prefix, range, now);
  });
}

/** One parameter (not chained) of `def`'s type with an optional modifier, as a filter. */
function parseParamFilter(
  def: SearchParamDef,
  modifier: string | undefined,
  key: string,
  values: string[],
  options: SearchRequestOptions,
): SearchFilter {
  if (modifier === 'missing') {
    if (def.storage !== 'index') fail(`Modifier :missing is not supported on ${def.code}`, key);
    return missingFilter(def, key, values);
  }
  const unsupportedModifier = (): never => fail(`Modifier :${modifier} is not supported on ${def.code}`, key);
  if (def.storage === 'id') {
    if (modifier) unsupportedModifier();
    return { kind: 'id', ids: values.map(unescapeValue) };
  }
  if (def.storage === 'lastUpdated') {
    if (modifier) unsupportedModifier();
    return { kind: 'lastUpdated', conditions: dateConditions(key, values, options.now) };
  }
  switch (def.type) {
    case 'token':
      if (modifier === 'text') return { kind: 'tokenText', param: def, values: values.map((v) => normalizeString(unescapeValue(v))) };
      if (modifier && modifier !== 'not') unsupportedModifier();
      return { kind: 'token', param: def, not: modifier === 'not', values: values.map(parseToken) };
    case 'uri':
      if (modifier && modifier !== 'below' && modifier !== 'above') unsupportedModifier();
      return { kind: 'uri', param: def, match: (modifier as 'below' | 'above' | undefined) ?? 'eq', values: values.map(unescapeValue) };
    case 'string': {
      const match = modifier === undefined ? 'startsWith' : modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : unsupportedModifier();
      const strings = values.map(unescapeValue).map((v) => (match === 'exact' ? v : normalizeString(v)));
      return { kind: 'string', param: def, match, values: strings };
    }
    case 'reference': {
      if (modifier !== undefined && !def.targets.includes(modifier)) unsupportedModifier();
      const matches = values.map((v) => parseReferenceValue(v, modifier, options.baseUrl));
      return { kind: 'reference', param: def, values: matches.filter((m): m is ReferenceMatch => !!m) };
    }
    case 'date':
      if (modifier) unsupportedModifier();
      return { kind: 'date', param: def, conditions: dateConditions(key, values, options.now) };
    case 'number':
    case 'quantity': {
      if (modifier) unsupportedModifier();
      return {
        kind: 'quantity',
        param: def,
        values: values.map((raw) => {
          const [number, system, code] = splitUnescaped(raw, '|').map(unescapeValue);
          const { prefix, rest } = splitPrefix(number);
          const parsed = parseNumber(rest);
          if (!parsed) fail(`Invalid number "${raw}" for ${key}`, key);
          return { condition: numberCondition(prefix, parsed), ...(system ? { system } : {}), ...(code ? { code } : {}) };
        }),
      };
    }
  }
}

function splitKey(key: string): { code: string; modifier?: string } {
  const colon = key.indexOf(':');
  return colon < 0 ? { code: key } : { code: key.slice(0, colon), modifier: key.slice(colon + 1) };
}

type Parsed = { filter: SearchFilter } | { issue: string };

/** `patient.identifier=…`, `owner:Practitioner.name=…`: one level of forward chaining. */
function parseChain(catalog: SearchCatalog, resourceType: string, key: string, values: string[], options: SearchRequestOptions): Parsed {
  const dot = key.indexOf('.');
  const head = splitKey(key.slice(0, dot));
  const tail = key.slice(dot + 1);
  const def = catalog.param(resourceType, head.code);
  if (!def) return { issue: `Unknown search parameter ${head.code} for ${resourceType}` };
  if (def.type !== 'reference') fail(`${head.code} is not a reference parameter: it cannot be chained`, key);
  if (tail.includes('.')) return { issue: 'Chained parameters are supported one level deep only' };
  if (head.modifier !== undefined && !def.targets.includes(head.modifier)) {
    fail(`Modifier :${head.modifier} is not supported on ${def.code}`, key);
  }
  const inner = splitKey(tail);
  const types = head.modifier ? [head.modifier] : def.targets;
  const targets = types
    .map((type) => ({ type, innerDef: catalog.param(type, inner.code) }))
    .filter((t): t is { type: string; innerDef: SearchParamDef } => !!t.innerDef)
    .map(({ type, innerDef }) => ({ resourceType: type, filter: parseParamFilter(innerDef, inner.modifier, key, values, options) }));
  if (!targets.length) return { issue: `Unknown chained parameter ${inner.code} on ${types.join(', ') || 'the targets'} of ${head.code}` };
  return { filter: { kind: 'chain', param: def, targets } };
}

function parseInclude(catalog: SearchCatalog, resourceType: string, key: string, value: string, reverse: boolean): IncludeRequest {
  const iterate = key.endsWith(':iterate');
  if (key.includes(':') && !iterate) fail(`Modifier ${key.slice(key.indexOf(':'))} is not supported on ${key.split(':')[0]}`, key);
  const refParams = (type: string): SearchParamDef[] => [...catalog.params(type).values()].filter((p) => p.type === 'reference');
  if (value === '*') {
    if (reverse) fail('_revinclude=* is not supported: name the type and parameter', key);
    return { sourceType: resourceType, params: refParams(resourceType), iterate };
  }
  const [sourceType, code, targetType, ...extra] = value.split(':');
  if (!sourceType || !code || extra.length) fail(`Invalid ${key} value "${value}": expected Type:parameter[:TargetType]`, key);
  if (!catalog.resourceTypes.includes(sourceType)) fail(`Unknown resource type ${sourceType} in ${key}`, key);
  if (targetType !== undefined && !catalog.resourceTypes.includes(targetType)) fail(`Unknown resource type ${targetType} in ${key}`, key);
  if (code === '*') return { sourceType, params: refParams(sourceType), targetType, iterate };
  const def = catalog.param(sourceType, code);
  if (def?.type !== 'reference') fail(`${sourceType}:${code} is not a reference search parameter`, key);
  return { sourceType, params: [def], targetType, iterate };
}

function parseSort(catalog: SearchCatalog, resourceType: string, value: string, issues: SearchIssue[]): SortKey[] {
  const keys: SortKey[] = [];
  for (const field of value.split(',').map((f) => f.trim()).filter(Boolean)) {
    const descending = field.startsWith('-');
    const code = descending ? field.slice(1) : field;
    if (code === '_id' || code === '_lastUpdated') {
      keys.push({ code, param: code, descending });
      continue;
    }
    const def = catalog.param(resourceType, code);
    if (!def) {
      issues.push({ param: '_sort', reason: `Unknown sort parameter ${code} for ${resourceType}` });
      continue;
    }
    keys.push({ code, param: def.storage === 'id' ? '_id' : def.storage === 'lastUpdated' ? '_lastUpdated' : def, descending });
  }
  const unique = keys.filter((key, i) => keys.findIndex((k) => k.code === key.code) === i);
  // `_id` is unique: any key after it could never decide an order.
  const id = unique.findIndex((k) => k.param === '_id');
  return id < 0 ? unique : unique.slice(0, id + 1);
}

export function sortSignature(sort: readonly SortKey[]): string {
  return sort.map((k) => (k.descending ? '-' : '') + k.code).join(',');
}

function parseCount(raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) fail(`_count must be a non-negative whole number`, '_count');
  return Math.min(Number(raw), MAX_COUNT);
}

/**
 * Reads a FHIR search (`query`: each parameter name, with its modifier, to its values in order)
 * against the R4 search parameters of `resourceType`. Repeated parameters are ANDed and comma
 * values ORed. Unknown parameters are collected in `ignored` — or, with `strict`, a 400. A bad
 * value of a known parameter (a malformed date, an unsupported modifier) is always a 400.
 */
export function parseSearchRequest(
  catalog: SearchCatalog,
  resourceType: string,
  query: Readonly<Record<string, readonly string[]>>,
  options: SearchRequestOptions,
): ParsedSearch {
  const filters: SearchFilter[] = [];
  const ignored: SearchIssue[] = [];
  const applied: [string, string][] = [];
  const include: IncludeRequest[] = [];
  const revinclude: IncludeRequest[] = [];
  let sort: SortKey[] = [];
  let count = DEFAULT_COUNT;
  let total: SearchTotal = 'none';
  let summary: SearchSummary | undefined;
  let elements: string[] | undefined;
  let rawCursor: string | undefined;

  for (const [key, rawValues] of Object.entries(query)) {
    const { code, modifier } = splitKey(key);
    for (const value of rawValues) {
      if (FORMAT_PARAMS.has(code)) continue;
      if (RESULT_PARAMS.has(code)) {
        if (code !== '_include' && code !== '_revinclude' && modifier !== undefined) {
          fail(`Modifier :${modifier} is not supported on ${code}`, key);
        }
        switch (code) {
          case '_sort':
            sort = parseSort(catalog, resourceType, value, ignored);
            break;
          case '_count':
            count = parseCount(value);
            break;
          case '_total':
            if (!['none', 'estimate', 'accurate'].includes(value)) fail('_total must be none, estimate or accurate', key);
            total = value as SearchTotal;
            break;
          case '_summary':
            if (!['true', 'false', 'text', 'data', 'count'].includes(value)) fail('_summary must be true, false, text, data or count', key);
            summary = value as SearchSummary;
            break;
          case '_elements':
            elements = value.split(',').map((e) => e.trim()).filter(Boolean);
            break;
          case '_include':
            include.push(parseInclude(catalog, resourceType, key, value, false));
            break;
          case '_revinclude':
            revinclude.push(parseInclude(catalog, resourceType, key, value, true));
            break;
          case '_cursor':
            rawCursor = value;
            continue;
        }
        applied.push([key, value]);
        continue;
      }
      if (value === '') continue;
      const values = splitOr(value, key);
      let parsed: Parsed;
      if (UNSUPPORTED_PARAMS[code]) {
        parsed = { issue: UNSUPPORTED_PARAMS[code] };
      } else if (key.includes('.')) {
        parsed = parseChain(catalog, resourceType, key, values, options);
      } else {
        const def = catalog.param(resourceType, code);
        parsed = def
          ? { filter: parseParamFilter(def, modifier, key, values, options) }
          : {
              issue: catalog.isUnsupported(resourceType, code)
                ? `Search parameter ${code} is not supported`
                : `Unknown search parameter ${code} for ${resourceType}`,
            };
      }
      if ('issue' in parsed) {
        ignored.push({ param: key, reason: parsed.issue });
      } else {
        filters.push(parsed.filter);
        applied.push([key, value]);
      }
    }
  }

  if (options.strict && ignored.length) {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: ignored.map((issue) => ({
        severity: 'error',
        code: 'not-supported',
        details: { text: issue.reason },
        expression: [issue.param],
      })),
    });
  }
  const cursor = rawCursor === undefined ? undefined : decodeCursor(rawCursor, sortSignature(sort), sort.length);
  return { resourceType, filters, sort, count, cursor, total, summary, elements, include, revinclude, ignored, applied };
}
