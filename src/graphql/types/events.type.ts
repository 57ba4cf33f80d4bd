import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { CarePlanObject } from './care-plan.type';
import { TaskObject } from './task.type';

@ObjectType('CarePlanEvent', { description: 'A committed change to a CarePlan or to one of its Tasks' })
export class CarePlanEventObject {
  @Field(() => Int, { description: 'Per-tenant event sequence (ordered, gap-free)' }) sequence!: number;
  @Field({ description: 'SubscriptionTopic canonical URL' }) topic!: string;
  @Field() occurredAt!: string;
  @Field() resourceType!: string;
  @Field(() => ID) resourceId!: string;
  @Field(() => Int) versionId!: number;
  @Field(() => CarePlanObject, { nullable: true, description: 'The CarePlan as written (CarePlan changes)' }) carePlan?: CarePlanObject;
  @Field(() => TaskObject, { nullable: true, description: 'The Task as written (Task changes)' }) task?: TaskObject;
}

@ObjectType('TaskEvent', { description: 'A committed change to a Task' })
export class TaskEventObject {
  @Field(() => Int) sequence!: number;
  @Field() topic!: string;
  @Field() occurredAt!: string;
  @Field(() => ID) resourceId!: string;
  @Field(() => Int) versionId!: number;
  @Field(() => TaskObject, { nullable: true, description: 'The Task as written (absent when deleted)' }) task?: TaskObject;
}
