import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { Resource } from '@medplum/fhirtypes';
import { TimelineActionValue } from './enums.type';
import { JsonScalar } from './json.scalar';

@ObjectType('TimelineEntry', { description: 'One stored version of the patient or of something about them, newest first' })
export class TimelineEntryObject {
  @Field({ description: 'When the version was written (meta.lastUpdated)' }) at!: string;
  @Field() resourceType!: string;
  @Field(() => ID) resourceId!: string;
  @Field(() => Int) versionId!: number;
  @Field(() => TimelineActionValue) action!: TimelineActionValue;
  @Field({ nullable: true }) status?: string;
  @Field({ nullable: true }) previousStatus?: string;
  @Field() summary!: string;
  @Field(() => JsonScalar, { description: 'That version of the resource' }) fhir!: Resource;
}
