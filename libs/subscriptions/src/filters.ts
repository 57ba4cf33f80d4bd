import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Coding, Reference, Resource } from '@medplum/fhirtypes';
import type { FilterName, TopicDefinition } from './topics';

/** One filter of a Subscription: the resource matches when any of `values` matches (OR). */
export interface FilterCriterion {
  readonly name: FilterName;
  readonly values: readonly string[];
}

/**
 * Parses the backport filter criteria of a Subscription (`Task?owner=Practitioner/1`, or
 * `owner=Practitioner/1`; several `name=value` pairs joined by `&` all apply; comma-separated
 * values are alternatives). Only the topic's filters are accepted; modifiers are not.
 * `expression` names the extension in errors.
 */
export function parseFilterCriteria(value: string, topic: TopicDefinition, expression: string): FilterCriterion[] {
  const text = value.trim();
  const question = text.indexOf('?');
  const query = question >= 0 ? text.slice(question + 1) : text;
  if (question >= 0 && text.slice(0, question) !== topic.resourceType) {
    throw invalid(`Filter "${value}" is on ${text.slice(0, question)}, the topic is about ${topic.resourceType}`, expression);
  }
  if (query === '') throw invalid('An empty filter', expression);
  return query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const name = equals > 0 ? decode(pair.slice(0, equals), expression) : '';
    const raw = equals > 0 ? pair.slice(equals + 1) : '';
    if (name.includes(':')) throw invalid(`Filter modifiers are not supported ("${name}")`, expression);
    if (!(topic.filters as readonly string[]).includes(name)) {
      throw invalid(`Topic ${topic.url} can be filtered by ${topic.filters.join(', ')}, not "${name || pair}"`, expression);
    }
    const values = raw.split(',').map((v) => decode(v, expression).trim());
    if (values.some((v) => v === '')) throw invalid(`Filter "${name}" needs a value`, expression);
    return { name: name as FilterName, values };
  });
}

function decode(text: string, expression: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw invalid(`"${text}" is not URL-encoded correctly`, expression);
  }
}

function invalid(message: string, expression: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, expression));
}

/** True when `resource` passes every criterion (AND); no criteria passes everything. */
export function matchesFilters(resource: Resource | undefined, criteria: readonly FilterCriterion[]): boolean {
  if (criteria.length === 0) return true;
  if (!resource) return false;
  return criteria.every((criterion) => criterion.values.some((value) => matchesOne(resource, criterion.name, value)));
}

function matchesOne(resource: Resource, name: FilterName, value: string): boolean {
  switch (name) {
    case 'patient':
      return patientReferences(resource).some((reference) => sameReference(reference, value, 'Patient'));
    case 'owner':
      return ownerReferences(resource).some((reference) => sameReference(reference, value));
    case 'status':
      return (resource as { status?: string }).status === value;
    case 'code':
      return codingsOf(resource).some((coding) => tokenMatches(coding, value));
  }
}

function patientReferences(resource: Resource): string[] {
  const refs: (Reference | undefined)[] = [];
  switch (resource.resourceType) {
    case 'Task':
      refs.push(resource.for);
      break;
    case 'CarePlan':
    case 'ServiceRequest':
    case 'Encounter':
      refs.push(resource.subject);
      break;
    case 'Coverage':
      refs.push(resource.beneficiary);
      break;
  }
  return refs.map((ref) => ref?.reference).filter((ref): ref is string => !!ref);
}

function ownerReferences(resource: Resource): string[] {
  const refs: (Reference | undefined)[] = [];
  if (resource.resourceType === 'Task') refs.push(resource.owner);
  if (resource.resourceType === 'ServiceRequest') refs.push(...(resource.performer ?? []));
  return refs.map((ref) => ref?.reference).filter((ref): ref is string => !!ref);
}

function codingsOf(resource: Resource): Coding[] {
  switch (resource.resourceType) {
    case 'Task':
    case 'ServiceRequest':
      return resource.code?.coding ?? [];
    case 'CarePlan':
      return (resource.category ?? []).flatMap((concept) => concept.coding ?? []);
    case 'Encounter':
      return [...(resource.class ? [resource.class] : []), ...(resource.type ?? []).flatMap((concept) => concept.coding ?? [])];
    case 'Coverage':
      return resource.type?.coding ?? [];
    default:
      return [];
  }
}

/** `Patient/1`, `1` (when the type is implied) and `https://…/Patient/1` name the same resource. */
function sameReference(reference: string, value: string, impliedType?: string): boolean {
  const wanted = value.includes('/') ? value.split('/').slice(-2).join('/') : impliedType ? `${impliedType}/${value}` : value;
  return reference.split('/').slice(-2).join('/') === wanted;
}

/** A token search value: `code`, `system|code`, `|code` (no system) or `system|` (any code of it). */
function tokenMatches(coding: Coding, value: string): boolean {
  const bar = value.indexOf('|');
  if (bar < 0) return coding.code === value;
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (system === '') return !coding.system && coding.code === code;
  if (code === '') return coding.system === system;
  return coding.system === system && coding.code === code;
}

/** Is an outbox event one of a subscription's events: its topic, and the resource passes its filters. */
export function subscriptionMatches(
  event: { readonly topics: readonly string[]; readonly content?: Resource },
  subscription: { readonly topic: string; readonly filters: readonly FilterCriterion[] },
): boolean {
  return event.topics.includes(subscription.topic) && matchesFilters(event.content, subscription.filters);
}
