import { registerEnumType } from '@nestjs/graphql';

/** R4 Task status codes; GraphQL names are the codes in upper case with `_` (DESIGN.md). */
export enum TaskStatusValue {
  DRAFT = 'draft',
  REQUESTED = 'requested',
  RECEIVED = 'received',
  ACCEPTED = 'accepted',
  REJECTED = 'rejected',
  READY = 'ready',
  CANCELLED = 'cancelled',
  IN_PROGRESS = 'in-progress',
  ON_HOLD = 'on-hold',
  FAILED = 'failed',
  COMPLETED = 'completed',
  ENTERED_IN_ERROR = 'entered-in-error',
}
registerEnumType(TaskStatusValue, { name: 'TaskStatus', description: 'FHIR Task.status codes, upper case with `_` (`in-progress` is IN_PROGRESS)' });

export enum TaskPriorityValue {
  ROUTINE = 'routine',
  URGENT = 'urgent',
  ASAP = 'asap',
  STAT = 'stat',
}
registerEnumType(TaskPriorityValue, { name: 'TaskPriority', description: 'FHIR request priority codes, lowest first' });

export enum WorklistOrderValue {
  DUE_DATE = 'due',
  PRIORITY = 'priority',
}
registerEnumType(WorklistOrderValue, {
  name: 'WorklistOrder',
  description: 'DUE_DATE: earliest due first (no due date last); PRIORITY: most urgent first, then earliest due',
});

export enum ReferralStateValue {
  DRAFT = 'draft',
  SENT = 'sent',
  ACCEPTED = 'accepted',
  IN_PROGRESS = 'in-progress',
  DECLINED = 'declined',
  ON_HOLD = 'on-hold',
  COMPLETED = 'completed',
  REVOKED = 'revoked',
  ENTERED_IN_ERROR = 'entered-in-error',
}
registerEnumType(ReferralStateValue, {
  name: 'ReferralState',
  description: 'Where a referral stands: from the ServiceRequest and the latest Task fulfilling it',
});

export enum TimelineActionValue {
  CREATED = 'created',
  UPDATED = 'updated',
  STATUS_CHANGED = 'status-changed',
  DELETED = 'deleted',
}
registerEnumType(TimelineActionValue, { name: 'TimelineAction' });
