import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { Coverage } from '@medplum/fhirtypes';
import { isCoverageActive } from '@liaison/care-views';
import { CodeableConceptObject, conceptOf, PeriodObject, periodOf, ReferenceObject, referenceOf, referencesOf } from './fhir-datatypes.type';
import { JsonScalar } from './json.scalar';

@ObjectType('Coverage', { description: 'Insurance (FHIR Coverage)' })
export class CoverageObject {
  @Field(() => ID) id!: string;
  @Field(() => Int) versionId!: number;
  @Field() lastUpdated!: string;
  @Field() status!: string;
  @Field({ description: 'status active and now within period' }) active!: boolean;
  @Field(() => PeriodObject, { nullable: true }) period?: PeriodObject;
  @Field(() => [ReferenceObject], { description: 'Who pays: usually an Organization (display is its name)' }) payor!: ReferenceObject[];
  @Field(() => CodeableConceptObject, { nullable: true }) type?: CodeableConceptObject;
  @Field({ nullable: true }) subscriberId?: string;
  @Field(() => ReferenceObject, { nullable: true }) beneficiary?: ReferenceObject;
  @Field(() => JsonScalar) fhir!: Coverage;
}

export function coverageObject(coverage: Coverage, nowMs: number): CoverageObject {
  return {
    id: coverage.id!,
    versionId: Number(coverage.meta?.versionId ?? 0),
    lastUpdated: coverage.meta?.lastUpdated ?? '',
    status: coverage.status,
    active: isCoverageActive(coverage, nowMs),
    period: periodOf(coverage.period),
    payor: referencesOf(coverage.payor),
    type: conceptOf(coverage.type),
    subscriberId: coverage.subscriberId,
    beneficiary: referenceOf(coverage.beneficiary),
    fhir: coverage,
  };
}
