import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { ServiceRequest } from '@medplum/fhirtypes';
import { CodeableConceptObject, conceptOf, NoteObject, notesOf, ReferenceObject, referenceOf, referencesOf } from './fhir-datatypes.type';
import { TaskPriorityValue } from './enums.type';
import { JsonScalar } from './json.scalar';

@ObjectType('ServiceRequest', { description: 'A referral or order (FHIR ServiceRequest); `state` and `tasks` follow it' })
export class ServiceRequestObject {
  @Field(() => ID) id!: string;
  @Field(() => Int) versionId!: number;
  @Field() lastUpdated!: string;
  @Field() status!: string;
  @Field() intent!: string;
  @Field(() => TaskPriorityValue, { nullable: true }) priority?: TaskPriorityValue;
  @Field(() => CodeableConceptObject, { nullable: true }) code?: CodeableConceptObject;
  @Field({ nullable: true }) authoredOn?: string;
  @Field(() => [ReferenceObject], { description: 'Who is asked to perform it' }) performers!: ReferenceObject[];
  @Field(() => ReferenceObject, { nullable: true }) requester?: ReferenceObject;
  @Field(() => ReferenceObject, { nullable: true }) subject?: ReferenceObject;
  @Field(() => [NoteObject]) notes!: NoteObject[];
  @Field(() => JsonScalar) fhir!: ServiceRequest;
}

export function serviceRequestObject(request: ServiceRequest): ServiceRequestObject {
  return {
    id: request.id!,
    versionId: Number(request.meta?.versionId ?? 0),
    lastUpdated: request.meta?.lastUpdated ?? '',
    status: request.status,
    intent: request.intent,
    priority: request.priority as TaskPriorityValue | undefined,
    code: conceptOf(request.code),
    authoredOn: request.authoredOn,
    performers: referencesOf(request.performer),
    requester: referenceOf(request.requester),
    subject: referenceOf(request.subject),
    notes: notesOf(request.note),
    fhir: request,
  };
}
