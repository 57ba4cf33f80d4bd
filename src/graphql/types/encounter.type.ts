import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { Encounter } from '@medplum/fhirtypes';
import {
  CodeableConceptObject,
  codingOf,
  CodingObject,
  conceptOf,
  IdentifierObject,
  identifiersOf,
  PeriodObject,
  periodOf,
  ReferenceObject,
  referenceOf,
} from './fhir-datatypes.type';
import { JsonScalar } from './json.scalar';

@ObjectType('Encounter')
export class EncounterObject {
  @Field(() => ID) id!: string;
  @Field(() => Int) versionId!: number;
  @Field() lastUpdated!: string;
  @Field() status!: string;
  @Field(() => CodingObject, { nullable: true, description: 'e.g. IMP (inpatient), AMB, EMER' }) class?: CodingObject;
  @Field(() => [CodeableConceptObject]) type!: CodeableConceptObject[];
  @Field(() => [IdentifierObject]) identifiers!: IdentifierObject[];
  @Field(() => PeriodObject, { nullable: true }) period?: PeriodObject;
  @Field(() => CodeableConceptObject, { nullable: true, description: 'hospitalization.dischargeDisposition' })
  dischargeDisposition?: CodeableConceptObject;
  @Field(() => ReferenceObject, { nullable: true }) serviceProvider?: ReferenceObject;
  @Field(() => ReferenceObject, { nullable: true }) subject?: ReferenceObject;
  @Field(() => JsonScalar) fhir!: Encounter;
}

export function encounterObject(encounter: Encounter): EncounterObject {
  return {
    id: encounter.id!,
    versionId: Number(encounter.meta?.versionId ?? 0),
    lastUpdated: encounter.meta?.lastUpdated ?? '',
    status: encounter.status,
    class: encounter.class && codingOf(encounter.class),
    type: (encounter.type ?? []).map((t) => conceptOf(t) as CodeableConceptObject),
    identifiers: identifiersOf(encounter.identifier),
    period: periodOf(encounter.period),
    dischargeDisposition: conceptOf(encounter.hospitalization?.dischargeDisposition),
    serviceProvider: referenceOf(encounter.serviceProvider),
    subject: referenceOf(encounter.subject),
    fhir: encounter,
  };
}
