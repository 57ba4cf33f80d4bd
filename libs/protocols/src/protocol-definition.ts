import { TASK_CODE_SYSTEM, TASK_CODE_DISPLAY, isTaskCode, TaskCode, TaskPriority } from '@liaison/task-workflow';
import { FhirPathAtom, getExtension, parseFhirPath } from '@medplum/core';
import type {
  ActivityDefinition,
  CodeableConcept,
  Duration,
  PlanDefinition,
  PlanDefinitionAction,
} from '@medplum/fhirtypes';
import {
  COORDINATION_EVENT_KINDS,
  CoordinationEventKind,
  DUE_BUSINESS_DAYS_EXTENSION,
  OWNER_RULE_EXTENSION,
  OWNER_RULES,
  OwnerRule,
  READY_AFTER_EXTENSION,
} from './protocol-model';

/** A due time relative to the event: business days (end of that day) or a UCUM duration. */
export type DueRule =
  | { readonly kind: 'business-days'; readonly days: number }
  | { readonly kind: 'duration'; readonly value: number; readonly unit: DurationUnit };

/** The UCUM units a protocol may use: minutes and hours elapse; days and weeks are calendar days. */
export type DurationUnit = 'min' | 'h' | 'd' | 'wk';
const DURATION_UNITS: readonly DurationUnit[] = ['min', 'h', 'd', 'wk'];
const UCUM = 'http://unitsofmeasure.org';

/** An applicability condition, parsed once. */
export interface ProtocolCondition {
  readonly expression: string;
  readonly atom: FhirPathAtom;
}

/** One leaf action of a protocol, with what it inherits from its enclosing group actions. */
export interface ProtocolAction {
  readonly planDefinition: PlanDefinition;
  /** The PlanDefinition's canonical URL. */
  readonly url: string;
  /** The action's `id`, unique within the PlanDefinition: part of every identity derived from it. */
  readonly id: string;
  readonly title: string;
  /** `create` makes a Task (and maybe a ServiceRequest); `remove` cancels open work. */
  readonly type: 'create' | 'remove';
  readonly triggers: readonly CoordinationEventKind[];
  /** FHIRPath applicability conditions, the enclosing groups' first; all must be true. */
  readonly conditions: readonly ProtocolCondition[];
  /** `create`: the Task code; `remove`: the codes of the work to cancel (empty: all open work). */
  readonly taskCodes: readonly TaskCode[];
  readonly priority: TaskPriority;
  readonly due?: DueRule;
  readonly readyAfter?: { readonly value: number; readonly unit: DurationUnit };
  readonly ownerRule: OwnerRule;
  /** The referral to create with the Task (an ActivityDefinition of kind ServiceRequest). */
  readonly request?: ActivityDefinition;
  /** `remove`: the statusReason of the Tasks it cancels. */
  readonly reason?: CodeableConcept;
}

/**
 * Reads a PlanDefinition into its leaf actions, or throws an Error listing every problem
 * (see `protocolProblems`). Group actions (with sub-actions) pass their triggers and
 * conditions down; a leaf without a trigger of its own or inherited is never applied.
 */
export function readProtocol(planDefinition: PlanDefinition, activityDefinitions: readonly ActivityDefinition[] = []): ProtocolAction[] {
  const problems: string[] = [];
  const actions = collectActions(planDefinition, activityDefinitions, problems);
  if (problems.length > 0) {
    throw new Error(`PlanDefinition ${planDefinition.url ?? planDefinition.id ?? '?'} is not a valid protocol: ${problems.join('; ')}`);
  }
  return actions;
}

/** A tenant's protocols read once (at start-up or when one changes), ready to apply many times. */
export interface PreparedProtocols {
  readonly actions: readonly ProtocolAction[];
}

/** Reads the `active` PlanDefinitions (throwing on an invalid one) for `applyProtocols`. */
export function prepareProtocols(
  planDefinitions: readonly PlanDefinition[],
  activityDefinitions: readonly ActivityDefinition[] = [],
): PreparedProtocols {
  return {
    actions: planDefinitions.filter((pd) => pd.status === 'active').flatMap((pd) => readProtocol(pd, activityDefinitions)),
  };
}

/**
 * Everything wrong with a PlanDefinition as a protocol (empty when it is usable): the
 * application loads protocols at start-up and refuses a tenant's override with these.
 */
export function protocolProblems(planDefinition: PlanDefinition, activityDefinitions: readonly ActivityDefinition[] = []): string[] {
  const problems: string[] = [];
  collectActions(planDefinition, activityDefinitions, problems);
  return problems;
}

/**
 * Whether a PlanDefinition is a coordination protocol: one of its actions (at any depth) is
 * triggered by a coordination event (`named-event` with a CoordinationEventKind as name).
 * Other PlanDefinitions (order sets, other workflows) are none of coordination's business.
 */
export function isCoordinationProtocol(planDefinition: PlanDefinition): boolean {
  const kinds: readonly string[] = COORDINATION_EVENT_KINDS;
  const visit = (actions: readonly PlanDefinitionAction[] | undefined): boolean =>
    (actions ?? []).some(
      (action) =>
        (action.trigger ?? []).some((trigger) => trigger.type === 'named-event' && kinds.includes(trigger.name ?? '')) ||
        visit(action.action),
    );
  return planDefinition.resourceType === 'PlanDefinition' && visit(planDefinition.action);
}

function collectActions(
  pd: PlanDefinition,
  activityDefinitions: readonly ActivityDefinition[],
  problems: string[],
): ProtocolAction[] {
  if (pd.resourceType !== 'PlanDefinition') problems.push('not a PlanDefinition');
  if (!pd.url) problems.push('url is required');
  if (pd.name !== undefined && !/^[A-Z]([A-Za-z0-9_]){0,254}$/.test(pd.name)) problems.push(`name "${pd.name}" breaks pdf-0`);
  const url = pd.url ?? '';
  const out: ProtocolAction[] = [];
  const seen = new Set<string>();

  const visit = (
    action: PlanDefinitionAction,
    path: string,
    triggers: CoordinationEventKind[],
    conditions: ProtocolCondition[],
  ): void => {
    const ownTriggers = readTriggers(action, path, problems);
    const ownConditions = readConditions(action, path, problems);
    const allTriggers = [...triggers, ...ownTriggers];
    const allConditions = [...conditions, ...ownConditions];
    if (action.action && action.action.length > 0) {
      action.action.forEach((child, index) => visit(child, `${path}.action[${index}]`, allTriggers, allConditions));
      return;
    }
    const where = action.id ? `action ${action.id}` : path;
    if (!action.id) {
      problems.push(`${path}: a leaf action needs an id`);
      return;
    }
    if (seen.has(action.id)) problems.push(`${where}: id is not unique`);
    seen.add(action.id);
    const typeCode = action.type?.coding?.find((coding) => coding.system === 'http://terminology.hl7.org/CodeSystem/action-type')?.code;
    const type = typeCode === 'remove' ? 'remove' : 'create';
    if (typeCode !== undefined && typeCode !== 'create' && typeCode !== 'remove') problems.push(`${where}: type ${typeCode} is not supported`);
    const taskCodes = readTaskCodes(action, where, problems);
    if (type === 'create' && taskCodes.length !== 1) problems.push(`${where}: needs exactly one code from ${TASK_CODE_SYSTEM}`);
    if (allTriggers.length === 0) problems.push(`${where}: no trigger (own or inherited)`);
    const due = readDue(action, where, problems);
    if (type === 'create' && !due) problems.push(`${where}: a Task needs a due time (due-business-days or timingDuration)`);
    const priority = (action.priority ?? 'routine') as TaskPriority;
    out.push({
      planDefinition: pd,
      url,
      id: action.id,
      title: action.title ?? (taskCodes[0] ? TASK_CODE_DISPLAY[taskCodes[0]] : action.id),
      type,
      triggers: [...new Set(allTriggers)],
      conditions: allConditions,
      taskCodes,
      priority,
      due,
      readyAfter: readReadyAfter(action, where, problems),
      ownerRule: readOwnerRule(action, where, problems),
      request: readRequest(action, pd, activityDefinitions, where, problems),
      reason: action.reason?.[0],
    });
  };

  (pd.action ?? []).forEach((action, index) => visit(action, `action[${index}]`, [], []));
  if (out.length === 0) problems.push('no actions');
  return out;
}

function readTriggers(action: PlanDefinitionAction, path: string, problems: string[]): CoordinationEventKind[] {
  const triggers: CoordinationEventKind[] = [];
  for (const trigger of action.trigger ?? []) {
    if (trigger.type !== 'named-event' || !trigger.name) {
      problems.push(`${path}: triggers must be named-event with a name`);
    } else if (!(COORDINATION_EVENT_KINDS as readonly string[]).includes(trigger.name)) {
      problems.push(`${path}: unknown event ${trigger.name}`);
    } else {
      triggers.push(trigger.name as CoordinationEventKind);
    }
  }
  return triggers;
}

function readConditions(action: PlanDefinitionAction, path: string, problems: string[]): ProtocolCondition[] {
  const conditions: ProtocolCondition[] = [];
  for (const condition of action.condition ?? []) {
    if (condition.kind !== 'applicability') continue;
    const expression = condition.expression;
    if (expression?.language !== 'text/fhirpath' || !expression.expression) {
      problems.push(`${path}: applicability conditions must be text/fhirpath expressions`);
      continue;
    }
    if (/\b(now|today|timeOfDay)\s*\(/.test(expression.expression)) {
      problems.push(`${path}: use %now / %today, not the clock functions, in "${expression.expression}"`);
      continue;
    }
    try {
      conditions.push({ expression: expression.expression, atom: parseFhirPath(expression.expression) });
    } catch (error) {
      problems.push(`${path}: cannot parse "${expression.expression}": ${(error as Error).message}`);
    }
  }
  return conditions;
}

function readTaskCodes(action: PlanDefinitionAction, where: string, problems: string[]): TaskCode[] {
  const codes: TaskCode[] = [];
  for (const concept of action.code ?? []) {
    for (const coding of concept.coding ?? []) {
      if (coding.system !== TASK_CODE_SYSTEM) continue;
      if (isTaskCode(coding.code)) codes.push(coding.code);
      else problems.push(`${where}: unknown task code ${coding.code}`);
    }
  }
  return codes;
}

function readDue(action: PlanDefinitionAction, where: string, problems: string[]): DueRule | undefined {
  const businessDays = getExtension(action, DUE_BUSINESS_DAYS_EXTENSION);
  if (businessDays) {
    if (action.timingDuration) problems.push(`${where}: give due-business-days or timingDuration, not both`);
    const days = businessDays.valueInteger;
    if (days === undefined || !Number.isInteger(days) || days < 0) {
      problems.push(`${where}: due-business-days needs a non-negative valueInteger`);
      return undefined;
    }
    return { kind: 'business-days', days };
  }
  if (action.timingDuration) {
    const duration = readDuration(action.timingDuration, `${where}: timingDuration`, problems);
    return duration && { kind: 'duration', ...duration };
  }
  return undefined;
}

function readReadyAfter(action: PlanDefinitionAction, where: string, problems: string[]): ProtocolAction['readyAfter'] {
  const extension = getExtension(action, READY_AFTER_EXTENSION);
  if (!extension) return undefined;
  if (!extension.valueDuration) {
    problems.push(`${where}: ready-after needs a valueDuration`);
    return undefined;
  }
  return readDuration(extension.valueDuration, `${where}: ready-after`, problems);
}

function readDuration(
  duration: Duration,
  where: string,
  problems: string[],
): { value: number; unit: DurationUnit } | undefined {
  const unit = duration.code as DurationUnit;
  if (duration.system !== UCUM || !DURATION_UNITS.includes(unit)) {
    problems.push(`${where} must be UCUM ${DURATION_UNITS.join(', ')}`);
    return undefined;
  }
  const value = duration.value;
  if (value === undefined || !Number.isFinite(value) || value < 0 || ((unit === 'd' || unit === 'wk') && !Number.isInteger(value))) {
    problems.push(`${where} needs a non-negative value (whole for d and wk)`);
    return undefined;
  }
  return { value, unit };
}

function readOwnerRule(action: PlanDefinitionAction, where: string, problems: string[]): OwnerRule {
  const rule = getExtension(action, OWNER_RULE_EXTENSION)?.valueCode;
  if (rule === undefined) return 'default-queue';
  if (!(OWNER_RULES as readonly string[]).includes(rule)) {
    problems.push(`${where}: unknown owner rule ${rule}`);
    return 'default-queue';
  }
  return rule as OwnerRule;
}

function readRequest(
  action: PlanDefinitionAction,
  pd: PlanDefinition,
  activityDefinitions: readonly ActivityDefinition[],
  where: string,
  problems: string[],
): ActivityDefinition | undefined {
  const canonical = action.definitionCanonical;
  if (!canonical) return undefined;
  const definition = canonical.startsWith('#')
    ? (pd.contained ?? []).find((resource) => resource.id === canonical.slice(1))
    : activityDefinitions.find((ad) => ad.url === canonical.split('|')[0]);
  if (!definition || definition.resourceType !== 'ActivityDefinition') {
    problems.push(`${where}: definitionCanonical ${canonical} is not a known ActivityDefinition`);
    return undefined;
  }
  if (definition.kind !== 'ServiceRequest') problems.push(`${where}: ${canonical} must be of kind ServiceRequest`);
  if (!definition.code) problems.push(`${where}: ${canonical} needs a code`);
  return definition;
}
