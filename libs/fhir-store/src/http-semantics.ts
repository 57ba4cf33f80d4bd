import { badRequest, OperationOutcomeError } from '@medplum/core';
import { notAcceptable, unsupportedMediaTypeOutcome } from './outcomes';

/** FHIR R4 versioning, `Prefer` and content negotiation, as pure functions of header values. */

export const FHIR_JSON = 'application/fhir+json';
export const JSON_PATCH = 'application/json-patch+json';

/** `W/"3"` for version 3. */
export function weakEtag(versionId: string): string {
  return `W/"${versionId}"`;
}

/**
 * The version an `If-Match` header names: `W/"3"`, `"3"` or `3` give `3`. Anything else is a
 * 400 rather than a silent mismatch.
 */
export function versionFromIfMatch(header: string): string {
  const match = /^\s*(?:W\/)?"?([A-Za-z0-9.-]{1,64})"?\s*$/.exec(header);
  if (!match) throw new OperationOutcomeError(badRequest(`If-Match must be an ETag such as W/"1", got "${header}"`));
  return match[1];
}

export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';
export type PreferHandling = 'strict' | 'lenient';

export interface Preference {
  readonly return?: PreferReturn;
  readonly handling?: PreferHandling;
}

/** Reads `Prefer: return=…, handling=…` (RFC 7240); unknown preferences are ignored, as the RFC says. */
export function parsePrefer(header: string | undefined): Preference {
  if (!header) return {};
  const result: { return?: PreferReturn; handling?: PreferHandling } = {};
  for (const part of header.split(/[,;]/)) {
    const [rawName, rawValue] = part.split('=');
    const name = rawName?.trim().toLowerCase();
    const value = rawValue?.trim().replace(/^"|"$/g, '');
    if (name === 'return' && (value === 'minimal' || value === 'representation' || value === 'OperationOutcome')) {
      result.return = value;
    } else if (name === 'handling' && (value === 'strict' || value === 'lenient')) {
      result.handling = value;
    }
  }
  return result;
}

const FORMAT_ALIASES = new Set(['json', 'application/json', FHIR_JSON, 'application/json+fhir']);
const ACCEPTABLE_RANGES = new Set(['*/*', 'application/*', 'application/json', FHIR_JSON, 'application/json+fhir']);

/**
 * Whether the caller accepts FHIR JSON, the only format we produce. `_format` overrides
 * `Accept` (FHIR R4 §3.1.0.1.9). Throws a 406 OperationOutcomeError otherwise.
 */
export function assertAcceptsFhirJson(accept: string | undefined, format: string | undefined): void {
  if (format !== undefined) {
    if (FORMAT_ALIASES.has(format.trim().toLowerCase().split(';')[0].trim())) return;
    throw new OperationOutcomeError(notAcceptable(`_format=${format} is not supported: this server speaks application/fhir+json`));
  }
  if (!accept || !accept.trim()) return;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    if (ACCEPTABLE_RANGES.has(type)) return;
  }
  throw new OperationOutcomeError(notAcceptable(`Accept: ${accept} is not supported: this server speaks application/fhir+json`));
}

export type BodyKind = 'resource' | 'json-patch' | 'form';

/** The media type without parameters, lower case; undefined when absent. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type || undefined;
}

const RESOURCE_TYPES = new Set([FHIR_JSON, 'application/json', 'application/json+fhir']);

/** Throws 415 unless `contentType` carries the kind of body the interaction takes. */
export function assertBodyContentType(contentType: string | undefined, expected: BodyKind): void {
  const type = mediaTypeOf(contentType);
  const ok =
    expected === 'resource'
      ? type !== undefined && RESOURCE_TYPES.has(type)
      : expected === 'json-patch'
        ? type === JSON_PATCH
        : type === 'application/x-www-form-urlencoded';
  if (ok) return;
  const wanted = expected === 'resource' ? FHIR_JSON : expected === 'json-patch' ? JSON_PATCH : 'application/x-www-form-urlencoded';
  throw new OperationOutcomeError(
    unsupportedMediaTypeOutcome(`Content-Type ${type ?? '(none)'} is not supported here; send ${wanted}`),
  );
}

/** `Last-Modified` value for an instant. */
export function httpDate(instant: string): string {
  return new Date(instant).toUTCString();
}
