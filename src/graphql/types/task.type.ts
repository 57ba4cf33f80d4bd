import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { Task } from '@medplum/fhirtypes';
import { isTaskOverdue, taskCodeOf } from '@liaison/task-workflow';
import {
  CodeableConceptObject,
  conceptOf,
  NoteObject,
  notesOf,
  PeriodObject,
  periodOf,
  ReferenceObject,
  referenceOf,
} from './fhir-datatypes.type';
import { TaskPriorityValue, TaskStatusValue } from './enums.type';
import { JsonScalar } from './json.scalar';

@ObjectType('Task', { description: 'A piece of coordination work (FHIR Task)' })
export class TaskObject {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: 'meta.versionId: pass it as expectedVersion to change the Task safely' }) versionId!: number;
  @Field() lastUpdated!: string;
  @Field(() => TaskStatusValue) status!: TaskStatusValue;
  @Field({ nullable: true }) statusReason?: string;
  @Field(() => CodeableConceptObject, { nullable: true, description: 'Finer step within the status, e.g. overdue, left voicemail' })
  businessStatus?: CodeableConceptObject;
  @Field(() => CodeableConceptObject, { nullable: true }) code?: CodeableConceptObject;
  @Field({ nullable: true, description: 'The Liaison task code (e.g. post-discharge-contact), if it has one' }) taskCode?: string;
  @Field({ nullable: true }) description?: string;
  @Field(() => TaskPriorityValue, { nullable: true }) priority?: TaskPriorityValue;
  @Field({ nullable: true, description: 'Due by: restriction.period.end (a FHIR dateTime)' }) dueDate?: string;
  @Field({ description: 'Still open and marked overdue or past its due date' }) overdue!: boolean;
  @Field({ nullable: true }) authoredOn?: string;
  @Field({ nullable: true }) lastModified?: string;
  @Field(() => PeriodObject, { nullable: true }) executionPeriod?: PeriodObject;
  @Field(() => ReferenceObject, { nullable: true, description: 'Who the Task is assigned to (see also ownerResource)' })
  owner?: ReferenceObject;
  @Field(() => ReferenceObject, { nullable: true, description: 'Task.for: the patient' }) subject?: ReferenceObject;
  @Field(() => [NoteObject]) notes!: NoteObject[];
  @Field(() => JsonScalar, { description: 'The FHIR Task as stored' }) fhir!: Task;
}

export function taskObject(task: Task, nowMs: number): TaskObject {
  return {
    id: task.id!,
    versionId: Number(task.meta?.versionId ?? 0),
    lastUpdated: task.meta?.lastUpdated ?? '',
    status: task.status as TaskStatusValue,
    statusReason: task.statusReason?.text ?? task.statusReason?.coding?.[0]?.display ?? task.statusReason?.coding?.[0]?.code,
    businessStatus: conceptOf(task.businessStatus),
    code: conceptOf(task.code),
    taskCode: taskCodeOf(task),
    description: task.description,
    priority: task.priority as TaskPriorityValue | undefined,
    dueDate: task.restriction?.period?.end,
    overdue: isTaskOverdue(task, nowMs),
    authoredOn: task.authoredOn,
    lastModified: task.lastModified,
    executionPeriod: periodOf(task.executionPeriod),
    owner: referenceOf(task.owner),
    subject: referenceOf(task.for),
    notes: notesOf(task.note),
    fhir: task,
  };
}
