import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { TaskPriorityValue } from './enums.type';
import { ServiceRequestObject } from './service-request.type';
import { TaskObject } from './task.type';

@InputType('CodeInput', { description: 'A coded concept: a code in a system, and/or text' })
export class CodeInput {
  @Field({ nullable: true }) system?: string;
  @Field({ nullable: true }) code?: string;
  @Field({ nullable: true }) display?: string;
  @Field({ nullable: true }) text?: string;
}

@InputType('CreateReferralInput')
export class CreateReferralInput {
  @Field(() => ID) patientId!: string;
  @Field(() => CodeInput, { description: 'What is requested' }) code!: CodeInput;
  @Field({ description: 'Who is asked: "Organization/…", "Practitioner/…", …' }) performer!: string;
  @Field({ description: 'When the performer should have answered by (date-time with zone)' }) due!: string;
  @Field(() => TaskPriorityValue, { nullable: true }) priority?: TaskPriorityValue;
  @Field({ nullable: true }) note?: string;
  @Field(() => ID, { nullable: true }) encounterId?: string;
  @Field(() => ID, { nullable: true, description: 'Add the referral to this CarePlan' }) carePlanId?: string;
}

@ObjectType('CreateReferralPayload')
export class CreateReferralPayload {
  @Field(() => ServiceRequestObject) serviceRequest!: ServiceRequestObject;
  @Field(() => TaskObject, { description: 'The Task the performer accepts or rejects' }) task!: TaskObject;
}

@InputType('UpdateCoverageInput', { description: 'Only the fields given change' })
export class UpdateCoverageInput {
  @Field({ nullable: true, description: 'active | cancelled | draft | entered-in-error' }) status?: string;
  @Field({ nullable: true }) periodStart?: string;
  @Field({ nullable: true }) periodEnd?: string;
  @Field(() => [String], { nullable: true, description: 'Payor references, e.g. "Organization/acme"' }) payor?: string[];
  @Field({ nullable: true }) subscriberId?: string;
}
