import { Field, ObjectType } from '@nestjs/graphql';
import { formatHumanName } from '@medplum/core';
import type {
  Annotation,
  CodeableConcept,
  Coding,
  HumanName,
  Identifier,
  Period,
  Reference,
} from '@medplum/fhirtypes';

/** FHIR data types as apps read them: flat, optional fields, lists never null. */

@ObjectType('Coding')
export class CodingObject {
  @Field({ nullable: true }) system?: string;
  @Field({ nullable: true }) code?: string;
  @Field({ nullable: true }) display?: string;
}

@ObjectType('CodeableConcept')
export class CodeableConceptObject {
  @Field(() => [CodingObject]) coding!: CodingObject[];
  @Field({ nullable: true, description: 'The text, or else the first display' }) text?: string;
}

@ObjectType('Identifier')
export class IdentifierObject {
  @Field({ nullable: true }) system?: string;
  @Field({ nullable: true }) value?: string;
  @Field({ nullable: true }) use?: string;
  @Field({ nullable: true, description: 'The identifier type as text (e.g. "Medical record number")' }) type?: string;
}

@ObjectType('HumanName')
export class HumanNameObject {
  @Field({ description: 'The name written out (given names, then family)' }) text!: string;
  @Field({ nullable: true }) family?: string;
  @Field(() => [String]) given!: string[];
  @Field({ nullable: true }) use?: string;
}

@ObjectType('Reference', { description: 'A FHIR reference; `type` and `id` are set when it is a local `Type/id`' })
export class ReferenceObject {
  @Field({ nullable: true }) reference?: string;
  @Field({ nullable: true }) type?: string;
  @Field({ nullable: true }) id?: string;
  @Field({ nullable: true }) display?: string;
}

@ObjectType('Period', { description: 'FHIR dateTimes as written (with their offset)' })
export class PeriodObject {
  @Field({ nullable: true }) start?: string;
  @Field({ nullable: true }) end?: string;
}

@ObjectType('Note')
export class NoteObject {
  @Field() text!: string;
  @Field({ nullable: true }) time?: string;
  @Field({ nullable: true, description: 'Who wrote it: a reference or a name' }) author?: string;
}

@ObjectType('PageInfo')
export class PageInfoObject {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field({ nullable: true }) startCursor?: string;
  @Field({ nullable: true }) endCursor?: string;
}

export function codingOf(coding: Coding): CodingObject {
  return { system: coding.system, code: coding.code, display: coding.display };
}

export function conceptOf(concept: CodeableConcept | undefined): CodeableConceptObject | undefined {
  if (!concept) return undefined;
  const coding = (concept.coding ?? []).map(codingOf);
  return { coding, text: concept.text ?? coding.find((c) => c.display)?.display };
}

export function identifiersOf(identifiers: readonly Identifier[] | undefined): IdentifierObject[] {
  return (identifiers ?? []).map((identifier) => ({
    system: identifier.system,
    value: identifier.value,
    use: identifier.use,
    type: identifier.type?.text ?? identifier.type?.coding?.[0]?.display ?? identifier.type?.coding?.[0]?.code,
  }));
}

export function namesOf(names: readonly HumanName[] | undefined): HumanNameObject[] {
  return (names ?? []).map((name) => ({
    text: name.text ?? formatHumanName(name),
    family: name.family,
    given: name.given ?? [],
    use: name.use,
  }));
}

/** The name to show: the official one, else the usual one, else the first. */
export function displayNameOf(names: readonly HumanName[] | undefined): string | undefined {
  const list = names ?? [];
  const name = list.find((n) => n.use === 'official') ?? list.find((n) => n.use === 'usual') ?? list[0];
  if (!name) return undefined;
  return name.text ?? (formatHumanName(name) || undefined);
}

const LOCAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

export function referenceOf(reference: Reference | undefined): ReferenceObject | undefined {
  if (!reference) return undefined;
  const local = reference.reference ? LOCAL.exec(reference.reference) : null;
  return { reference: reference.reference, type: local?.[1] ?? reference.type, id: local?.[2], display: reference.display };
}

export function referencesOf(references: readonly Reference[] | undefined): ReferenceObject[] {
  return (references ?? []).map((reference) => referenceOf(reference) as ReferenceObject);
}

export function periodOf(period: Period | undefined): PeriodObject | undefined {
  return period && { start: period.start, end: period.end };
}

export function notesOf(notes: readonly Annotation[] | undefined): NoteObject[] {
  return (notes ?? []).map((note) => ({
    text: note.text,
    time: note.time,
    author: note.authorString ?? note.authorReference?.reference ?? note.authorReference?.display,
  }));
}

/** The id in a local reference `Type/id` of the expected type. */
export function idOf(reference: Reference | undefined, type: string): string | undefined {
  const match = reference?.reference ? LOCAL.exec(reference.reference) : null;
  return match && match[1] === type ? match[2] : undefined;
}
