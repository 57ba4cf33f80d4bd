import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { CarePlan } from '@medplum/fhirtypes';
import { PeriodObject, periodOf, ReferenceObject, referenceOf } from './fhir-datatypes.type';
import { JsonScalar } from './json.scalar';

@ObjectType('CarePlan')
export class CarePlanObject {
  @Field(() => ID) id!: string;
  @Field(() => Int) versionId!: number;
  @Field() lastUpdated!: string;
  @Field() status!: string;
  @Field() intent!: string;
  @Field({ nullable: true }) title?: string;
  @Field({ nullable: true }) description?: string;
  @Field({ nullable: true }) created?: string;
  @Field(() => PeriodObject, { nullable: true }) period?: PeriodObject;
  @Field(() => [String], { description: 'The protocols (PlanDefinition canonicals) it came from' }) instantiatesCanonical!: string[];
  @Field(() => ReferenceObject, { nullable: true }) subject?: ReferenceObject;
  @Field(() => JsonScalar) fhir!: CarePlan;
}

export function carePlanObject(carePlan: CarePlan): CarePlanObject {
  return {
    id: carePlan.id!,
    versionId: Number(carePlan.meta?.versionId ?? 0),
    lastUpdated: carePlan.meta?.lastUpdated ?? '',
    status: carePlan.status,
    intent: carePlan.intent,
    title: carePlan.title,
    description: carePlan.description,
    created: carePlan.created,
    period: periodOf(carePlan.period),
    instantiatesCanonical: carePlan.instantiatesCanonical ?? [],
    subject: referenceOf(carePlan.subject),
    fhir: carePlan,
  };
}
