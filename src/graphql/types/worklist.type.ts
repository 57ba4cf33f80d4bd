import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { PageInfoObject } from './fhir-datatypes.type';
import { TaskPriorityValue, TaskStatusValue } from './enums.type';
import { ServiceRequestObject } from './service-request.type';
import { TaskObject } from './task.type';

@InputType('WorklistFilter', { description: 'Every field narrows the worklist (AND); values within a list are alternatives (OR)' })
export class WorklistFilterInput {
  @Field({ nullable: true, description: 'Assigned to this reference, e.g. "Practitioner/123"' }) owner?: string;
  @Field(() => [TaskStatusValue], {
    nullable: true,
    description: 'Default: open work, i.e. REQUESTED, RECEIVED, ACCEPTED, READY, IN_PROGRESS, ON_HOLD (not DRAFT reminders, not finished Tasks)',
  })
  status?: TaskStatusValue[];
  @Field(() => [String], { nullable: true, description: 'Liaison task codes, e.g. "post-discharge-contact"' }) code?: string[];
  @Field(() => [TaskPriorityValue], { nullable: true }) priority?: TaskPriorityValue[];
  @Field(() => ID, { nullable: true, description: 'For this Patient id' }) patient?: string;
  @Field({ nullable: true, description: 'Due strictly before this instant (e.g. 2026-12-01T17:00:00-05:00)' }) dueBefore?: string;
  @Field({ nullable: true, description: 'Due at or after this instant' }) dueAfter?: string;
  @Field({ nullable: true, description: 'true: only overdue Tasks; false: only Tasks not overdue' }) overdue?: boolean;
}

@ObjectType('TaskEdge')
export class TaskEdgeObject {
  @Field() cursor!: string;
  @Field(() => TaskObject) node!: TaskObject;
}

@ObjectType('TaskConnection', { description: 'A page of a worklist (Relay connection; `after` takes an edge cursor or endCursor)' })
export class TaskConnectionObject {
  @Field(() => [TaskEdgeObject]) edges!: TaskEdgeObject[];
  @Field(() => [TaskObject]) nodes!: TaskObject[];
  @Field(() => PageInfoObject) pageInfo!: PageInfoObject;
  /** What `totalCount` counts (resolved only when asked for). */
  count!: () => Promise<number>;
}

@InputType('ReferralFilter')
export class ReferralFilterInput {
  @Field(() => ID, { nullable: true }) patient?: string;
  @Field(() => [String], { nullable: true, description: 'ServiceRequest status codes, e.g. "active"' }) status?: string[];
  @Field({ nullable: true, description: 'Asked of this reference, e.g. "Organization/agency-a"' }) performer?: string;
}

@ObjectType('ServiceRequestEdge')
export class ServiceRequestEdgeObject {
  @Field() cursor!: string;
  @Field(() => ServiceRequestObject) node!: ServiceRequestObject;
}

@ObjectType('ServiceRequestConnection')
export class ServiceRequestConnectionObject {
  @Field(() => [ServiceRequestEdgeObject]) edges!: ServiceRequestEdgeObject[];
  @Field(() => [ServiceRequestObject]) nodes!: ServiceRequestObject[];
  @Field(() => PageInfoObject) pageInfo!: PageInfoObject;
  @Field(() => Int, { nullable: true, description: 'How many match over all pages' }) totalCount?: number;
}
